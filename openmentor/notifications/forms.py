from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import get_language_info
from django.utils.translation import gettext_lazy as _

from .models import NotificationPreference

# What a person can choose to get by e-mail, in words they know; each covers the kinds of
# notification the apps send (``notify(kind=...)``). In-app notifications always appear.
EMAIL_CHOICES: list[tuple[str, Any, list[str]]] = [
    ("messages", _("Messages waiting for you"), ["messaging.unread", "messaging.not_sent"]),
    ("reports", _("Messages reported to you as a coordinator"), ["messaging.report"]),
    (
        "matching",
        _("Matching: proposals, requests and new matches"),
        [
            "matching.matched",
            "matching.proposal",
            "matching.request",
            "matching.request_accepted",
            "matching.request_declined",
        ],
    ),
    ("meetings", _("Meetings and their reminders"), ["meeting", "meeting_reminder"]),
    (
        "mentorship",
        _("Your mentorships: agreement, goals, actions, sessions and thanks"),
        ["status", "agreement", "goal", "goal_comment", "action", "session", "thanks"],
    ),
    ("membership", _("Your place in a program (a coordinator removed you)"), ["membership"]),
    ("resources", _("Resources shared with you"), ["resource"]),
    ("surveys", _("Surveys to answer"), ["survey"]),
]


class NotificationSettingsForm(forms.Form):
    # Each language in its own words, as in the menu at the foot of every page.
    language = forms.ChoiceField(
        label=_("Language for e-mails and pages"),
        choices=[(code, get_language_info(code)["name_local"]) for code, _n in settings.LANGUAGES],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, label, _kinds in EMAIL_CHOICES:
            self.fields[name] = forms.ChoiceField(
                label=label,
                choices=NotificationPreference.Channel.choices,
                widget=forms.RadioSelect,
            )

    def channels(self) -> dict[str, str]:
        """The chosen channel for every kind of notification."""
        return {
            kind: self.cleaned_data[name] for name, _label, kinds in EMAIL_CHOICES for kind in kinds
        }
