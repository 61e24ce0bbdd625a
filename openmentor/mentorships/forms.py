from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Goal, GoalStatus, SessionKind

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class StatusForm(forms.Form):
    to = forms.ChoiceField(
        label=_("New status"),
        choices=[
            ("active", _("Active")),
            ("paused", _("Paused")),
            ("completed", _("Completed")),
            ("ended", _("Ended early")),
        ],
        # The form's question (closing cannot be undone) is asked only for these.
        widget=forms.Select(attrs={"data-confirm-for": "completed ended"}),
    )
    reason = forms.CharField(
        label=_("Why it ends early (needed only for that)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class AgreementChangeForm(forms.Form):
    text = forms.CharField(
        label=_("Agreement"), max_length=10000, widget=forms.Textarea(attrs={"rows": 12})
    )
    change_note = forms.CharField(label=_("What changed and why"), max_length=300, required=False)


class AgreementConfirmForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)


class AgreementTemplateForm(forms.Form):
    text = forms.CharField(
        label=_("Agreement template for new mentorships"),
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 14}),
        help_text=_(
            "Expectations, how often and how to meet, response times, confidentiality, etiquette."
        ),
    )


class GoalForm(forms.ModelForm):
    class Meta:
        model = Goal
        fields = ["title", "specific", "measurable", "achievable", "relevant", "target_date"]
        widgets = {
            "specific": forms.Textarea(attrs={"rows": 2}),
            "measurable": forms.Textarea(attrs={"rows": 2}),
            "achievable": forms.Textarea(attrs={"rows": 2}),
            "relevant": forms.Textarea(attrs={"rows": 2}),
            "target_date": DATE,
        }


class GoalProgressForm(forms.Form):
    progress = forms.IntegerField(label=_("Progress (%)"), min_value=0, max_value=100)
    status = forms.ChoiceField(label=_("Status"), choices=GoalStatus.choices)


class MilestoneForm(forms.Form):
    title = forms.CharField(label=_("Milestone"), max_length=200)
    due_on = forms.DateField(label=_("Due on"), widget=DATE)


class ActionItemForm(forms.Form):
    title = forms.CharField(label=_("Action"), max_length=200)
    assignee = forms.TypedChoiceField(label=_("Who does it"), coerce=int)
    due_on = forms.DateField(label=_("Due on (optional)"), required=False, widget=DATE)

    def __init__(self, *args: Any, people: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        assignee_field = self.fields["assignee"]
        assert isinstance(assignee_field, forms.ChoiceField)
        assignee_field.choices = people


class CommentForm(forms.Form):
    body = forms.CharField(
        label=_("Comment"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )


class SessionForm(forms.Form):
    held_on = forms.DateField(label=_("Date"), widget=DATE)
    duration_minutes = forms.IntegerField(
        label=_("Duration (minutes)"), min_value=5, max_value=600, initial=60
    )
    kind = forms.ChoiceField(label=_("How you met"), choices=SessionKind.choices)
    summary = forms.CharField(label=_("Topic (optional)"), max_length=300, required=False)
    meeting_id = forms.IntegerField(required=False, widget=forms.HiddenInput)


class NoteForm(forms.Form):
    body = forms.CharField(
        label=_("Note"), max_length=10000, widget=forms.Textarea(attrs={"rows": 4})
    )
    session = forms.TypedChoiceField(
        label=_("About the session (optional)"), coerce=int, required=False, empty_value=None
    )
    is_private = forms.BooleanField(
        label=_("Private: only I can read this note"), required=False, initial=True
    )

    def __init__(self, *args: Any, sessions: list[tuple[Any, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        session_field = self.fields["session"]
        assert isinstance(session_field, forms.ChoiceField)
        session_field.choices = [("", _("Not about one session")), *sessions]


class ReflectionForm(forms.Form):
    learned = forms.CharField(
        label=_("What you learned or take away"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    thank_you = forms.CharField(
        label=_("A thank-you to the others (they will see it)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    stay_in_touch = forms.BooleanField(label=_("I would like to stay in touch"), required=False)


class VerifyForm(forms.Form):
    document = forms.CharField(
        label=_("Paste the credential (JSON)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 10, "spellcheck": "false"}),
    )
    upload = forms.FileField(label=_("…or upload the credential file"), required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("document") and not data.get("upload"):
            raise forms.ValidationError(_("Paste a credential or choose a file."))
        upload = data.get("upload")
        if upload is not None and upload.size > 200_000:
            raise forms.ValidationError(_("That file is too large to be a credential."))
        return data

    def raw(self) -> bytes | str:
        upload = self.cleaned_data.get("upload")
        return upload.read() if upload is not None else self.cleaned_data["document"]
