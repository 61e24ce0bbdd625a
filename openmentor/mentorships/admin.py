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


class ShownNotChangedInline(admin.TabularInline):
    """Who is and was in a mentorship, shown, not changed: someone added here would read
    its conversation, unaudited and unannounced. People join through matching and the
    coordinators' pages, and leave through the program."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Mentorship | None = None) -> bool:
        return False


class ParticipantInline(ShownNotChangedInline):
    model = MentorshipParticipant
    readonly_fields = ["user", "role", "joined_at"]


class FormerParticipantInline(ShownNotChangedInline):
    model = FormerParticipant
    readonly_fields = ["user", "role", "joined_at", "left_at"]


@admin.register(Mentorship)
class MentorshipAdmin(admin.ModelAdmin):
    list_display = ["__str__", "program", "status", "started_on"]
    list_filter = ["status", "program"]
    # Moved to another program, its coordinators would oversee it; reopened, someone who
    # left the program would write in it again. Both go through the product's pages.
    readonly_fields = ["program", "status", "closed_at", "ended_reason"]
    inlines = [ParticipantInline, FormerParticipantInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # made by matching and the coordinators' pages, with their people


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
