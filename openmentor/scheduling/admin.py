from django.contrib import admin

from .models import AvailabilityWindow, CalendarFeed, Meeting, MeetingAttendee


class AttendeeInline(admin.TabularInline):
    model = MeetingAttendee
    extra = 0
    raw_id_fields = ["user"]


@admin.register(Meeting)
class MeetingAdmin(admin.ModelAdmin):
    # Agenda and notes are private to participants: not shown here.
    list_display = ["id", "mentorship", "kind", "status", "starts_at"]
    list_filter = ["status", "kind"]
    fields = ("mentorship", "kind", "status", "starts_at", "ends_at", "ics_uid", "ics_sequence")
    readonly_fields = fields
    inlines = [AttendeeInline]


@admin.register(AvailabilityWindow)
class AvailabilityWindowAdmin(admin.ModelAdmin):
    list_display = ["user", "weekday", "start_time", "end_time", "time_zone"]
    raw_id_fields = ["user"]


@admin.register(CalendarFeed)
class CalendarFeedAdmin(admin.ModelAdmin):
    list_display = ["user", "created_at", "revoked_at"]
    readonly_fields = ["token_hash"]
    raw_id_fields = ["user"]
