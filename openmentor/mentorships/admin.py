"""Admin for relationships and their metadata. Notes, goals and reflections have no admin
page on purpose: their content belongs to the participants (private notes to one person)."""

from django.contrib import admin
from django.http import HttpRequest

from .models import (
    AgreementTemplate,
    Credential,
    FormerParticipant,
    Mentorship,
    MentorshipParticipant,
    SessionLog,
)


class ParticipantInline(admin.TabularInline):
    model = MentorshipParticipant
    extra = 0
    raw_id_fields = ["user"]


class FormerParticipantInline(admin.TabularInline):
    """Who left a group that went on (leaving the program): a record, not edited here."""

    model = FormerParticipant
    extra = 0
    can_delete = False
    readonly_fields = ["user", "role", "joined_at", "left_at"]

    def has_add_permission(self, request: HttpRequest, obj: Mentorship | None = None) -> bool:
        return False


@admin.register(Mentorship)
class MentorshipAdmin(admin.ModelAdmin):
    list_display = ["__str__", "program", "status", "started_on"]
    list_filter = ["status", "program"]
    inlines = [ParticipantInline, FormerParticipantInline]


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
