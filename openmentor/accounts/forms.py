from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from openmentor.core.text import split_tags
from openmentor.core.timezones import canonical_timezone, is_valid_timezone, timezone_choices

from .models import MeetingMode, Profile, ProfileLanguage, ProfileVisibility, Seniority, User
from .selectors import language_choices
from .services import ProfileInput


class TimeZoneField(forms.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=lambda: [("UTC", "UTC"), *timezone_choices()], **kwargs)

    def valid_value(self, value: Any) -> bool:
        return is_valid_timezone(str(value))

    def clean(self, value: Any) -> str:
        return canonical_timezone(super().clean(value))


class SignupExtraForm(forms.Form):
    """Fields allauth's sign-up form gains; the browser fills the time zone in."""

    display_name = forms.CharField(label=_("Your name"), max_length=120)
    time_zone = TimeZoneField(
        label=_("Time zone"), initial="UTC", widget=forms.Select(attrs={"data-detect-tz": "1"})
    )

    def signup(self, request: HttpRequest, user: User) -> None:
        user.display_name = self.cleaned_data["display_name"].strip()
        user.time_zone = self.cleaned_data["time_zone"]
        user.save(update_fields=["display_name", "time_zone"])


class ProfileForm(forms.Form):
    display_name = forms.CharField(label=_("Display name"), max_length=120)
    pronouns = forms.CharField(label=_("Pronouns (optional)"), max_length=40, required=False)
    headline = forms.CharField(
        label=_("Headline"),
        max_length=160,
        required=False,
        help_text=_("One line, e.g. “PhD candidate in epidemiology, Nairobi”."),
    )
    bio = forms.CharField(
        label=_("About me"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    country = forms.ChoiceField(label=_("Country"), required=False)
    time_zone = TimeZoneField(
        label=_("Time zone"), widget=forms.Select(attrs={"data-detect-tz": "1"})
    )
    organisation_unit = forms.CharField(
        label=_("Department or organisation unit (optional)"), max_length=120, required=False
    )
    seniority = forms.TypedChoiceField(
        label=_("Career stage"),
        choices=[("", "—"), *Seniority.choices],
        coerce=int,
        empty_value=None,
        required=False,
    )
    expertise = forms.CharField(
        label=_("Expertise"),
        required=False,
        max_length=2000,
        help_text=_("Topics you can help others with, separated by commas."),
    )
    interests = forms.CharField(
        label=_("Goals and interests"),
        required=False,
        max_length=2000,
        help_text=_("Topics you want to learn about, separated by commas."),
    )
    goals_text = forms.CharField(
        label=_("What I want to learn or achieve"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    meeting_modes = forms.MultipleChoiceField(
        label=_("Preferred ways to meet"),
        choices=MeetingMode.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    weekly_hours = forms.IntegerField(
        label=_("Hours available per week"), min_value=0, max_value=40, initial=2
    )
    accessibility_needs = forms.CharField(
        label=_("Accessibility needs (optional, private)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Only you and your programs' coordinators can see this."),
    )
    visibility = forms.ChoiceField(
        label=_("Who can see my profile"), choices=ProfileVisibility.choices
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        country_field = self.fields["country"]
        assert isinstance(country_field, forms.ChoiceField)
        country_field.choices = [("", "—"), *list(countries)]

    @classmethod
    def initial_for(cls, profile: Profile) -> dict[str, Any]:
        return {
            "display_name": profile.user.display_name,
            "time_zone": profile.user.time_zone,
            "pronouns": profile.pronouns,
            "headline": profile.headline,
            "bio": profile.bio,
            "country": profile.country.code if profile.country else "",
            "organisation_unit": profile.organisation_unit,
            "seniority": profile.seniority,
            "expertise": ", ".join(t.name for t in profile.expertise.all()),
            "interests": ", ".join(t.name for t in profile.interests.all()),
            "goals_text": profile.goals_text,
            "meeting_modes": profile.meeting_modes,
            "weekly_hours": profile.weekly_hours,
            "accessibility_needs": profile.accessibility_needs,
            "visibility": profile.visibility,
        }

    def to_input(self, languages: dict[str, int]) -> ProfileInput:
        data = self.cleaned_data
        return ProfileInput(
            display_name=data["display_name"],
            time_zone=data["time_zone"],
            pronouns=data["pronouns"],
            headline=data["headline"],
            bio=data["bio"],
            country=data["country"],
            organisation_unit=data["organisation_unit"],
            seniority=data["seniority"],
            expertise=split_tags(data["expertise"]),
            interests=split_tags(data["interests"]),
            goals_text=data["goals_text"],
            meeting_modes=list(data["meeting_modes"]),
            weekly_hours=data["weekly_hours"],
            accessibility_needs=data["accessibility_needs"],
            visibility=data["visibility"],
            languages=languages,
        )


class LanguageForm(forms.Form):
    code = forms.ChoiceField(label=_("Language"), required=False)
    proficiency = forms.TypedChoiceField(
        label=_("Level"),
        choices=ProfileLanguage.Proficiency.choices,
        coerce=int,
        initial=ProfileLanguage.Proficiency.PROFESSIONAL,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        code_field = self.fields["code"]
        assert isinstance(code_field, forms.ChoiceField)
        code_field.choices = [("", "—"), *language_choices()]


class BaseLanguageFormSet(forms.BaseFormSet):
    def clean(self) -> None:
        if any(self.errors):
            return
        seen: set[str] = set()
        for form in self.forms:
            code = form.cleaned_data.get("code")
            if not code:
                continue
            if code in seen:
                raise forms.ValidationError(_("Each language only once, please."))
            seen.add(code)
        if not seen:
            raise forms.ValidationError(_("Add at least one language you can be mentored in."))

    def languages(self) -> dict[str, int]:
        return {
            f.cleaned_data["code"]: f.cleaned_data["proficiency"]
            for f in self.forms
            if f.cleaned_data.get("code")
        }


LanguageFormSet = forms.formset_factory(
    LanguageForm, formset=BaseLanguageFormSet, extra=3, max_num=12, validate_max=True
)


class PhotoForm(forms.Form):
    photo = forms.FileField(label=_("Photo (JPEG, PNG, WebP or GIF, up to 5 MB)"))


class TokenForm(forms.Form):
    name = forms.CharField(label=_("Token name"), max_length=80)


class TagSynonymForm(forms.Form):
    alias = forms.CharField(label=_("When people type"), max_length=60)
    canonical = forms.CharField(label=_("use the tag"), max_length=60)
