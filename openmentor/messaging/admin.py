"""Metadata only: the admin never shows message bodies or attachments (they are read
through the audited report page)."""

from __future__ import annotations

from django.contrib import admin

from .models import AuditLog, Block, Conversation, Report


@admin.register(Conversation)
class ConversationAdmin(admin.ModelAdmin):
    list_display = ["id", "kind", "program", "mentorship", "support_for", "message_count"]
    list_filter = ["kind"]
    readonly_fields = ["last_message_at", "message_count"]
    raw_id_fields = ["program", "mentorship", "support_for"]


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
class AuditLogAdmin(admin.ModelAdmin):
    list_display = ["created_at", "actor", "action", "conversation_id", "message_id"]
    list_filter = ["action"]

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False
