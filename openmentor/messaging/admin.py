"""Metadata only: the admin never shows message bodies or attachments (they are read
through the audited report page)."""

from __future__ import annotations

from django.contrib import admin

from .models import AuditLog, Block, Conversation, Report


class ViewOnlyAdmin(admin.ModelAdmin):
    """Rows the product's services write (with their checks, events and audit): the admin
    shows them and changes nothing."""

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(Conversation)
class ConversationAdmin(ViewOnlyAdmin):
    """View only: turning a pair's conversation into one's own support thread (or pointing
    it at another mentorship) let staff read its messages with no audit entry."""

    list_display = ["id", "kind", "program", "mentorship", "support_for", "message_count"]
    list_filter = ["kind"]


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = ["id", "message_id", "reporter", "created_at", "resolved_at", "resolved_by"]
    fields = ("message", "reporter", "reason", "created_at", "resolved_at", "resolved_by")
    # Handled on the coordinators' report page only, which records who handled it, writes
    # the audit log and tells the reporter; an edit here would do none of that.
    readonly_fields = fields


@admin.register(Block)
class BlockAdmin(admin.ModelAdmin):
    list_display = ["blocker", "blocked", "created_at"]
    raw_id_fields = ["blocker", "blocked"]


@admin.register(AuditLog)
class AuditLogAdmin(ViewOnlyAdmin):
    list_display = ["created_at", "actor", "action", "conversation_id", "message_id"]
    list_filter = ["action"]
