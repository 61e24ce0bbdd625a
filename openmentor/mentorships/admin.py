"""Admin for relationships and their metadata. Notes, goals and reflections have no admin
page on purpose: their content belongs to the participants (private notes to one person)."""

from django.contrib import admin

from .models import AgreementTemplate, Credential, Mentorship, MentorshipParticipant, SessionLog


class ParticipantInline(admin.TabularInline):
    model = MentorshipParticipant
    extra = 0
    raw_id_fields = ["user"]


@admin.register(Mentorship)
class MentorshipAdmin(admin.ModelAdmin):
    list_display = ["__str__", "program", "status", "started_on"]
    list_filter = ["status", "program"]
    inlines = [ParticipantInline]


@admin.register(AgreementTemplate)
class AgreementTemplateAdmin(admin.ModelAdmin):
    list_display = ["program", "updated_at", "updated_by"]
    raw_id_fields = ["updated_by"]


@admin.register(SessionLog)
class SessionLogAdmin(admin.ModelAdmin):
    list_display = ["mentorship", "held_on", "duration_minutes", "kind"]
    list_filter = ["kind"]
    exclude = ["summary"]
    raw_id_fields = ["mentorship", "logged_by", "meeting"]


@admin.register(Credential)
class CredentialAdmin(admin.ModelAdmin):
    list_display = ["id", "recipient", "kind", "issued_at"]
    list_filter = ["kind"]
    readonly_fields = ["document"]
    raw_id_fields = ["mentorship", "recipient"]
