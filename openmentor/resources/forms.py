from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import ResourceKind

SITE_WIDE = ""
MAX_PATH_STEPS = 8


class ResourceForm(forms.Form):
    library = forms.ChoiceField(label=_("Library"), required=False)
    kind = forms.ChoiceField(label=_("Kind"), choices=ResourceKind.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("Description"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    url = forms.CharField(label=_("Web address (for links)"), max_length=1000, required=False)
    body = forms.CharField(
        label=_("Text (for short texts)"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    file = forms.FileField(
        label=_("File (PDF, image, text or office document, 10 MB at most)"), required=False
    )
    tags = forms.CharField(label=_("Tags, separated by commas"), max_length=500, required=False)

    def __init__(self, *args: Any, libraries: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        library_field = self.fields["library"]
        assert isinstance(library_field, forms.ChoiceField)
        library_field.choices = libraries


class ShareForm(forms.Form):
    target = forms.ChoiceField(label=_("Share with"))
    message = forms.CharField(label=_("Message (optional)"), max_length=500, required=False)

    def __init__(self, *args: Any, targets: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        target_field = self.fields["target"]
        assert isinstance(target_field, forms.ChoiceField)
        target_field.choices = targets

    def parsed_target(self) -> tuple[int, int | None]:
        """``<mentorship>`` for everyone in it, ``<mentorship>:<person>`` for one person."""
        mentorship, _sep, person = self.cleaned_data["target"].partition(":")
        return int(mentorship), int(person) if person else None


class LearningPathForm(forms.Form):
    library = forms.ChoiceField(label=_("Library"), required=False)
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("Description"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(
        self,
        *args: Any,
        libraries: list[tuple[str, str]],
        resources: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        library_field = self.fields["library"]
        assert isinstance(library_field, forms.ChoiceField)
        library_field.choices = libraries
        for step in range(1, MAX_PATH_STEPS + 1):
            self.fields[f"step_{step}"] = forms.TypedChoiceField(
                label=_("Step %(n)d") % {"n": step},
                choices=[("", "—"), *resources],
                coerce=int,
                required=False,
                empty_value=None,
            )

    def resource_ids(self) -> list[int]:
        steps = (self.cleaned_data.get(f"step_{n}") for n in range(1, MAX_PATH_STEPS + 1))
        return [s for s in steps if s]
