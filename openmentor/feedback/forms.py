from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import SurveyKind


class SurveyForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=SurveyKind.choices)
    title = forms.CharField(label=_("Title (optional)"), max_length=200, required=False)
    send_on = forms.DateField(
        label=_("Send on (empty: from the program's dates)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    standard_questions = forms.BooleanField(
        label=_("Start with the standard questions (usefulness, communication, improvements)"),
        required=False,
        initial=True,
    )
