from django.contrib import admin

from .models import ApplicationQuestion, Invitation, Membership, Program


class QuestionInline(admin.TabularInline):
    model = ApplicationQuestion
    extra = 0


@admin.register(Program)
class ProgramAdmin(admin.ModelAdmin):
    list_display = ["name", "structure", "formality", "group_format", "enrolment_open"]
    list_filter = ["structure", "formality", "group_format", "enrolment_open"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [QuestionInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "program", "role", "status", "created_at"]
    list_filter = ["role", "status", "program"]
    search_fields = ["user__email", "user__display_name"]
    raw_id_fields = ["user", "decided_by"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "program", "role", "expires_at", "accepted_at", "revoked_at"]
    readonly_fields = ["token_hash"]
