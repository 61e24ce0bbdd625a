from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import MeetingKind, OverrideKind, Weekday

DURATION_CHOICES = [
    (15, _("15 minutes")),
    (30, _("30 minutes")),
    (45, _("45 minutes")),
    (60, _("1 hour")),
    (90, _("1 hour 30 minutes")),
    (120, _("2 hours")),
]
REMINDER_CHOICES = [
    (7 * 24 * 60, _("1 week before")),
    (2 * 24 * 60, _("2 days before")),
    (24 * 60, _("1 day before")),
    (120, _("2 hours before")),
    (60, _("1 hour before")),
    (15, _("15 minutes before")),
]


class TimeInput(forms.TimeInput):
    input_type = "time"


class DateInput(forms.DateInput):
    input_type = "date"


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M")


class WindowForm(forms.Form):
    weekday = forms.TypedChoiceField(label=_("Day"), choices=Weekday.choices, coerce=int)
    start_time = forms.TimeField(label=_("From"), widget=TimeInput())
    end_time = forms.TimeField(
        label=_("Until"), widget=TimeInput(), help_text=_("00:00 means until midnight.")
    )


class OverrideForm(forms.Form):
    """Shown beside ``WindowForm``: its own ids, so each "From" label names its own field."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "id_dates_%s")
        super().__init__(*args, **kwargs)

    day = forms.DateField(label=_("Date"), widget=DateInput())
    kind = forms.ChoiceField(label=_("Change"), choices=OverrideKind.choices)
    start_time = forms.TimeField(label=_("From"), widget=TimeInput(), required=False)
    end_time = forms.TimeField(
        label=_("Until"),
        widget=TimeInput(),
        required=False,
        help_text=_("Leave both times empty to block the whole day."),
    )


class PreferenceForm(forms.Form):
    max_sessions_per_week = forms.IntegerField(
        label=_("Maximum sessions per week"),
        required=False,
        min_value=1,
        max_value=50,
        help_text=_("Leave empty for no limit."),
    )
    reminder_minutes = forms.TypedMultipleChoiceField(
        label=_("Remind me"),
        choices=REMINDER_CHOICES,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


class FindTimeForm(forms.Form):
    start = forms.DateField(label=_("From"), widget=DateInput(), required=False)
    days = forms.IntegerField(label=_("Days to search"), min_value=1, max_value=28, initial=7)
    duration = forms.TypedChoiceField(
        label=_("Length"), choices=DURATION_CHOICES, coerce=int, initial=60
    )


class BookForm(forms.Form):
    when = forms.DateTimeField(
        label=_("Starts at (your time)"),
        widget=DateTimeLocalInput(),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    duration = forms.TypedChoiceField(
        label=_("Length"), choices=DURATION_CHOICES, coerce=int, initial=60
    )
    kind = forms.ChoiceField(label=_("Kind of meeting"), choices=MeetingKind.choices)
    place = forms.CharField(label=_("Place (in person)"), max_length=300, required=False)
    external_url = forms.URLField(
        label=_("Meeting link (external)"), max_length=500, required=False, assume_scheme="https"
    )
    agenda = forms.CharField(
        label=_("Agenda"), max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    propose = forms.BooleanField(
        label=_(
            "Propose this time instead of booking it directly: the meeting is confirmed "
            "once someone else accepts it"
        ),
        required=False,
    )
    repeat = forms.IntegerField(
        label=_("Number of meetings at the program's cadence"),
        min_value=1,
        max_value=52,
        initial=1,
        help_text=_("1 books a single meeting."),
    )
    client_key = forms.CharField(widget=forms.HiddenInput, max_length=64, required=False)

    def __init__(self, *args: object, with_repeat: bool = True, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        if not with_repeat:
            del self.fields["repeat"]
        if not self.is_bound:
            self.initial.setdefault("client_key", uuid.uuid4().hex)

    def starts_at(self) -> datetime:
        return in_viewer_zone(self.cleaned_data["when"])


def in_viewer_zone(value: datetime) -> datetime:
    """A time typed into a form: Django reads naive input in the active zone (the viewer's)."""
    return value if timezone.is_aware(value) else timezone.make_aware(value)


class RescheduleForm(forms.Form):
    when = BookForm.base_fields["when"]
    duration = BookForm.base_fields["duration"]
    reason = forms.CharField(label=_("Reason"), max_length=1000)


class CancelForm(forms.Form):
    """Shown beside ``RescheduleForm``: its own ids, so each "Reason" label names its field."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "id_cancel_%s")
        super().__init__(*args, **kwargs)

    reason = forms.CharField(label=_("Reason"), max_length=1000)


class NotesForm(forms.Form):
    agenda = forms.CharField(
        label=_("Agenda"), max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    notes = forms.CharField(
        label=_("Notes"), max_length=20000, required=False, widget=forms.Textarea(attrs={"rows": 6})
    )


class AttendanceForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=[("held", _("The meeting took place")), ("no_show", _("It did not take place"))],
        widget=forms.RadioSelect,
    )
    present = forms.TypedMultipleChoiceField(
        label=_("Who attended"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=[],
    )

    def __init__(self, *args: object, people: list[tuple[int, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["present"].choices = people  # type: ignore[attr-defined]
