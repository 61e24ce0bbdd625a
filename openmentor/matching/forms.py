from __future__ import annotations

import uuid
from typing import TypedDict

from django import forms
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from openmentor.core.languages import LANGUAGES, language_name, sort_key

from .models import MAX_RANKED_MENTORS, MatchingSettings, ProposalStatus

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
        peers: bool = False,
        **kwargs: object,
    ) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        if peers:  # co-mentoring: both sides are peers
            self.fields["mentee"].label = _("Peer")
            self.fields["mentor"].label = _("Other peer")
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


class PreferencesData(TypedDict):
    must_speak: list[str]
    must_country: list[str]
    must_meet_in_person: bool
    ranked_mentors: list[int]


class PreferencesForm(forms.Form):
    """A mentee's (or peer's) must-haves and ranked mentors. Language choices are the
    person's own languages, plus one more from every language; meeting in person is only
    offered in hybrid programs; each rank picks one active mentor of the program."""

    must_speak = forms.MultipleChoiceField(
        label=_("My mentor must speak one of these languages"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    also_speak = forms.ChoiceField(
        label=_("Or another language they must speak"),
        required=False,
        help_text=_("Leave empty if the languages above are enough."),
    )
    must_country = forms.MultipleChoiceField(
        label=_("My mentor must live in one of these countries (optional)"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text=_("Leave empty for anywhere in the world."),
    )
    must_meet_in_person = forms.BooleanField(
        label=_("My mentor must be able to meet in person"), required=False
    )

    def __init__(
        self,
        *args: object,
        own_languages: list[str],
        people: list[tuple[int, str]],
        hybrid: bool,
        is_peer: bool = False,
        **kwargs: object,
    ) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        initial = self.initial.get("must_speak") or []
        codes = [c for c in own_languages if c in LANGUAGES]
        codes += [c for c in initial if c in LANGUAGES and c not in codes]
        self.fields["must_speak"].choices = [(c, language_name(c)) for c in codes]  # type: ignore[attr-defined]
        everything = sorted(
            ((c, language_name(c)) for c in LANGUAGES), key=lambda kv: sort_key(kv[1])
        )
        self.fields["also_speak"].choices = [("", _("No other language")), *everything]  # type: ignore[attr-defined]
        self.fields["must_country"].choices = list(countries)  # type: ignore[attr-defined]
        if not hybrid:
            del self.fields["must_meet_in_person"]
        if is_peer:
            self.fields["must_speak"].label = _("My peer must speak one of these languages")
            self.fields["must_country"].label = _(
                "My peer must live in one of these countries (optional)"
            )
            if hybrid:
                self.fields["must_meet_in_person"].label = _(
                    "My peer must be able to meet in person"
                )
        choices = [("", _("Nobody")), *[(str(pk), name) for pk, name in people]]
        for rank in range(1, MAX_RANKED_MENTORS + 1):
            self.fields[f"rank_{rank}"] = forms.TypedChoiceField(
                label=(_("Peer I prefer most") if is_peer else _("Mentor I prefer most"))
                if rank == 1
                else _("Choice number %(n)s") % {"n": rank},
                required=False,
                coerce=int,
                empty_value=None,
                choices=choices,
                help_text=_("Up to three, most preferred first; each person once.")
                if rank == 1
                else "",
            )

    def preferences(self) -> PreferencesData:
        """The cleaned form as the service's keyword arguments."""
        data = self.cleaned_data
        speak = list(data.get("must_speak") or [])
        if data.get("also_speak") and data["also_speak"] not in speak:
            speak.append(data["also_speak"])
        ranked = [data.get(f"rank_{n}") for n in range(1, MAX_RANKED_MENTORS + 1)]
        return {
            "must_speak": speak,
            "must_country": list(data.get("must_country") or []),
            "must_meet_in_person": bool(data.get("must_meet_in_person")),
            "ranked_mentors": [r for r in ranked if r is not None],
        }
