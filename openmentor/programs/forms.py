from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from openmentor.core.errors import ValidationFailed
from openmentor.core.forms import apply_domain_error

from .models import ApplicationQuestion, Program, QuestionKind, Role
from .services import PROGRAM_FIELDS, check_program_settings


class ProgramForm(forms.ModelForm):
    class Meta:
        model = Program
        fields = list(PROGRAM_FIELDS)  # the settings a coordinator may change
        widgets = {
            "description": forms.Textarea(attrs={"rows": 5}),
            "guidelines": forms.Textarea(attrs={"rows": 5}),
            "objectives": forms.Textarea(attrs={"rows": 3}),
            "starts_on": forms.DateInput(attrs={"type": "date"}),
            "ends_on": forms.DateInput(attrs={"type": "date"}),
        }

    def clean(self) -> dict[str, Any]:
        # The service's rules, on their fields, before the model's constraints: an end
        # before the start showed the database constraint's name.
        cleaned = super().clean() or {}
        try:
            check_program_settings(cleaned)
        except ValidationFailed as error:
            apply_domain_error(self, error)
        return cleaned


class QuestionForm(forms.Form):
    prompt = forms.CharField(label=_("Question"), max_length=300)
    help_text = forms.CharField(label=_("Help text"), max_length=300, required=False)
    kind = forms.ChoiceField(label=_("Kind"), choices=QuestionKind.choices)
    choices = forms.CharField(
        label=_("Choices (one per line, for choice questions)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    required = forms.BooleanField(label=_("Answer required"), required=False, initial=True)
    audience = forms.ChoiceField(label=_("Asked of"), choices=ApplicationQuestion.Audience.choices)

    def to_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["choices"] = data["choices"].splitlines()
        return data


class QuestionEditForm(QuestionForm):
    """Everything but the kind: the answers already given are of that kind."""

    kind = None  # type: ignore[assignment]


def question_fields(questions: Sequence[Any]) -> dict[str, forms.Field]:
    """One form field per question (``q_<id>``). Application and survey questions share
    this builder: anything with prompt, help_text, kind, choices and required."""
    fields: dict[str, forms.Field] = {}
    for question in questions:
        name = f"q_{question.pk}"
        common = {
            # A survey's standard question in the reader's language.
            "label": getattr(question, "shown_prompt", question.prompt),
            "help_text": question.help_text,
            "required": question.required,
        }
        if question.kind == QuestionKind.SHORT_TEXT:
            fields[name] = forms.CharField(max_length=300, **common)
        elif question.kind == QuestionKind.LONG_TEXT:
            fields[name] = forms.CharField(
                max_length=5000, widget=forms.Textarea(attrs={"rows": 4}), **common
            )
        elif question.kind == QuestionKind.SINGLE_CHOICE:
            fields[name] = forms.ChoiceField(
                choices=[(c, c) for c in question.choices], widget=forms.RadioSelect, **common
            )
        elif question.kind == QuestionKind.MULTIPLE_CHOICE:
            fields[name] = forms.MultipleChoiceField(
                choices=[(c, c) for c in question.choices],
                widget=forms.CheckboxSelectMultiple,
                **common,
            )
        elif question.kind == QuestionKind.SCALE:
            fields[name] = forms.TypedChoiceField(
                choices=[(n, str(n)) for n in range(1, 6)],
                coerce=int,
                widget=forms.RadioSelect(attrs={"class": "scale"}),
                **common,
            )
    return fields


def application_form_class(
    questions: list[ApplicationQuestion], *, has_guidelines: bool, with_motivation: bool = True
) -> type[forms.Form]:
    """Build the application form from the program's own questions."""
    fields = question_fields(questions)
    if with_motivation:
        fields["motivation"] = forms.CharField(
            label=_("Anything you would like the coordinators to know (optional)"),
            max_length=4000,
            required=False,
            widget=forms.Textarea(attrs={"rows": 3}),
        )
    if has_guidelines:
        fields["accept_guidelines"] = forms.BooleanField(
            label=_("I have read the program guidelines and agree to follow them."),
            required=True,
        )
    return type("ApplicationForm", (forms.Form,), fields)


def answers_from(form: forms.Form) -> dict[str, Any]:
    return {
        name.removeprefix("q_"): value
        for name, value in form.cleaned_data.items()
        if name.startswith("q_")
    }


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("approve", _("Approve")), ("decline", _("Decline"))], widget=forms.HiddenInput
    )
    message = forms.CharField(
        label=_("Message to the applicant (optional)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address"))
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    language = forms.ChoiceField(
        label=_("Language of the invitation"),
        choices=settings.LANGUAGES,
        required=False,
        help_text=_("Someone who already has an account gets it in their own language."),
    )


class AcceptInvitationForm(forms.Form):
    accept_guidelines = forms.BooleanField(
        label=_("I have read the program guidelines and agree to follow them."), required=False
    )


class ImportForm(forms.Form):
    file = forms.FileField(label=_("CSV file (UTF-8, with a header row)"))
    good_rows_only = forms.BooleanField(
        label=_("If some rows are bad, import the good rows anyway"), required=False
    )
