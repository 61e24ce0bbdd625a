from django.contrib import admin

from .models import Mentorship, MentorshipParticipant


class ParticipantInline(admin.TabularInline):
    model = MentorshipParticipant
    extra = 0
    raw_id_fields = ["user"]


@admin.register(Mentorship)
class MentorshipAdmin(admin.ModelAdmin):
    list_display = ["__str__", "program", "status", "started_on"]
    list_filter = ["status", "program"]
    inlines = [ParticipantInline]
