from django.contrib import admin

from .models import (
    BlockedPair,
    MatchingPreference,
    MatchingRound,
    MatchingSettings,
    MentorRequest,
    Proposal,
    UnmatchedReason,
)


@admin.register(MatchingSettings)
class MatchingSettingsAdmin(admin.ModelAdmin):
    list_display = ["program", "mode", "min_language_level", "require_consent"]


@admin.register(MatchingRound)
class MatchingRoundAdmin(admin.ModelAdmin):
    list_display = ["pk", "program", "status", "progress", "created_at", "published_at"]
    list_filter = ["status"]


@admin.register(Proposal)
class ProposalAdmin(admin.ModelAdmin):
    list_display = ["pk", "round", "mentor", "mentee", "score", "status"]
    list_filter = ["status"]
    raw_id_fields = ["mentor", "mentee", "mentorship"]


@admin.register(UnmatchedReason)
class UnmatchedReasonAdmin(admin.ModelAdmin):
    list_display = ["round", "user", "reasons"]
    raw_id_fields = ["user"]


@admin.register(BlockedPair)
class BlockedPairAdmin(admin.ModelAdmin):
    list_display = ["program", "first", "second", "reason"]
    raw_id_fields = ["first", "second"]


@admin.register(MentorRequest)
class MentorRequestAdmin(admin.ModelAdmin):
    list_display = ["pk", "program", "mentee", "mentor", "status", "expires_at"]
    list_filter = ["status"]
    raw_id_fields = ["mentee", "mentor", "mentorship"]


@admin.register(MatchingPreference)
class MatchingPreferenceAdmin(admin.ModelAdmin):
    list_display = ["membership", "must_speak", "must_country", "must_meet_in_person"]
    raw_id_fields = ["membership"]
