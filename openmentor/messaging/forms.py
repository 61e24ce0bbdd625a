from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.http import QueryDict
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from .services import (
    CLIENT_ID,
    MAX_BODY_CHARS,
    SEND_AT_THEIR_MORNING,
    SEND_NOW,
    attachment_suffixes,
    too_long_message,
)

# The page's own words with the limit written as numbers are in the person's language
# ("10,000"), instead of the validator's bare "10000".
TOO_LONG = {"max_length": lazy(too_long_message, str)()}
# A post without the page's hidden message id (a page from an older version, a hand-made
# form): said, with the text kept, and the page shown again sends with a new id.
PAGE_OUT_OF_DATE = _("This page was out of date and your message was not sent: send it again.")


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input: a list of uploads (empty when none was chosen). Type,
    size and count limits are the service's, so every way of sending applies the same."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(**kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        uploads = data if isinstance(data, list | tuple) else [data]
        return [
            super(MultipleFileField, self).clean(upload, initial) for upload in uploads if upload
        ]


class MessageBodyField(forms.CharField):
    """A message's text with line breaks counted as the box counts them: a browser posts
    each as two characters (CR LF), so a full box would be refused as too long."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", MAX_BODY_CHARS)
        kwargs.setdefault("error_messages", TOO_LONG)
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> str:
        return str(super().to_python(value)).replace("\r\n", "\n")

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        # No maxlength on the box: a browser cuts pasted text there without a word (and
        # counts an emoji as two). The limit is said when the text is checked instead.
        attrs = super().widget_attrs(widget)
        attrs.pop("maxlength", None)
        return attrs


class MessageForm(forms.Form):
    WHEN_CHOICES = [
        (SEND_NOW, _("Send now")),
        (SEND_AT_THEIR_MORNING, _("Send at the recipient's next morning (08:00 their time)")),
    ]
    body = MessageBodyField(
        label=_("Your message"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "dir": "auto"}),  # Hebrew, Arabic: right to left
        help_text=_("You can use *emphasis*, **bold**, `code`, lists and links."),
    )
    attachments = MultipleFileField(
        label=_("Attach files"),
        # The picker offers only files that can go (a slow link spent 20 s on an .exe).
        widget=MultipleFileInput(attrs={"accept": ",".join(attachment_suffixes())}),
        required=False,
        help_text=_("PDF, PNG, JPEG, text (.txt), CSV or Word (.docx); up to 10 MB each, 5 files."),
    )
    when = forms.ChoiceField(
        label=_("When"), choices=WHEN_CHOICES, initial="now", widget=forms.RadioSelect
    )
    # A new id per page load: submitting the same page twice (a reload, a double click)
    # sends the message once.
    client_id = forms.RegexField(
        CLIENT_ID,
        widget=forms.HiddenInput,
        error_messages={"required": PAGE_OUT_OF_DATE, "invalid": PAGE_OUT_OF_DATE},
    )

    def __init__(self, *args: object, scheduling: bool = True, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        if not self.is_bound:
            self.initial["client_id"] = uuid.uuid4().hex
        if not scheduling:  # a group or a support thread: no one person's morning
            del self.fields["when"]

    def full_clean(self) -> None:
        super().full_clean()
        if "client_id" in self.errors:  # the page shown again sends with a good one
            data = self.data.copy() if isinstance(self.data, QueryDict) else dict(self.data)
            data["client_id"] = uuid.uuid4().hex
            self.data = data


class EditForm(forms.Form):
    # The page exists to change this text: the cursor starts in it.
    body = MessageBodyField(
        label=_("Message"),
        widget=forms.Textarea(attrs={"rows": 4, "autofocus": True, "dir": "auto"}),
    )


class ReportForm(forms.Form):
    reason = forms.CharField(
        label=_("What is wrong with this message?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "The program's coordinators will see this message and your reason. "
            "Nothing else in the conversation is shown to them."
        ),
    )


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Search my messages"), max_length=200, required=False)
