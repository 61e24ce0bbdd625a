from __future__ import annotations

import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import MatchingSettings, ProposalStatus

MAX_ID = 2**63 - 1


class SettingsForm(forms.ModelForm):
    class Meta:
        model = MatchingSettings
        fields = [
            "mode",
            "weight_shared_goals",
            "weight_text_similarity",
            "weight_availability",
            "weight_language",
            "weight_seniority",
            "cross_border_bonus",
            "min_language_level",
            "min_overlap_hours",
            "exclude_same_org_unit",
            "candidates_per_mentee",
            "require_consent",
            "max_pending_requests",
            "request_expiry_days",
        ]


class ReviewFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All")), *ProposalStatus.choices],
    )
    q = forms.CharField(label=_("Name or e-mail"), required=False, max_length=100)
    min_score = forms.FloatField(label=_("Lowest score"), required=False, min_value=0)


class SwapForm(forms.Form):
    first = forms.TypedChoiceField(label=_("First pair"), coerce=int)
    second = forms.TypedChoiceField(label=_("Second pair"), coerce=int)

    def __init__(self, *args: object, pairs: list[tuple[int, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["first"].choices = pairs  # type: ignore[attr-defined]
        self.fields["second"].choices = pairs  # type: ignore[attr-defined]

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if data.get("first") is not None and data.get("first") == data.get("second"):
            raise forms.ValidationError(_("Choose two different pairs to swap."))
        return data


class ManualPairForm(forms.Form):
    mentee = forms.TypedChoiceField(label=_("Mentee"), coerce=int)
    mentor = forms.TypedChoiceField(label=_("Mentor"), coerce=int)

    def __init__(
        self,
        *args: object,
        mentees: list[tuple[int, str]],
        mentors: list[tuple[int, str]],
        **kwargs: object,
    ) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["mentee"].choices = mentees  # type: ignore[attr-defined]
        self.fields["mentor"].choices = mentors  # type: ignore[attr-defined]


class RequestForm(forms.Form):
    mentor = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=MAX_ID)
    idempotency_key = forms.CharField(
        widget=forms.HiddenInput, min_length=8, max_length=64, initial=lambda: uuid.uuid4().hex
    )
    message = forms.CharField(
        label=_("Message to the mentor"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Say what you hope to work on together."),
    )


class AnswerForm(forms.Form):
    message = forms.CharField(
        label=_("Message (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
