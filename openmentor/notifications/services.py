"""Every write for notifications and the event log."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.text import Truncator

from openmentor.accounts.models import User
from openmentor.accounts.services import set_language
from openmentor.core.bulk import insert_rows
from openmentor.core.events import encode_event, encode_payload, push_to_users_on_commit
from openmentor.core.mail import send_email_on_commit
from openmentor.core.timezones import zone_of

from .models import Notification, NotificationPreference, UserEvent
from .params import readable, storable


def publish_event(
    user_ids: Iterable[int],
    *,
    type: str,
    payload: dict[str, Any],
    push_extra: dict[str, Any] | None = None,
) -> list[int]:
    """Write one event row per person, then push it after the transaction commits.

    The pushed message carries the row id, so a client can tell whether it missed one.
    ``push_extra`` travels with the push only and is never stored: messaging uses it for
    the rendered message, whose text must not sit in plaintext in the event log."""
    return publish_events([(user_ids, type, payload, push_extra)])


def publish_events(
    items: Iterable[tuple[Iterable[int], str, dict[str, Any], dict[str, Any] | None]],
) -> list[int]:
    """``publish_event`` for many events at once (a batch of message sends): one insert
    for every person's row, one hop to the event loop for every push. Returns the new
    event ids, one per (event, person) in order."""
    rows: list[tuple[int, str, dict[str, Any], datetime]] = []
    pushed: list[str] = []
    now = timezone.now()
    for user_ids, type, payload, push_extra in items:
        # One encoded body per event, shared by its recipients.
        body = encode_payload({**payload, **(push_extra or {})})
        for user_id in dict.fromkeys(user_ids):
            rows.append((user_id, type, payload, now))
            pushed.append(body)
    ids = insert_rows(UserEvent, ["user", "type", "payload", "created_at"], rows)
    push_to_users_on_commit(
        [
            (user_id, encode_event(event_id, type, body))
            for (user_id, type, _payload, _now), event_id, body in zip(
                rows, ids, pushed, strict=True
            )
        ]
    )
    return ids


def wants_email(user: User, kind: str) -> bool:
    preference = NotificationPreference.objects.filter(user=user, kind=kind).first()
    return preference is None or preference.channel == NotificationPreference.Channel.EMAIL


def _sources_of(text: str | Promise) -> tuple[str, str]:
    """The untranslated words of a ``gettext_lazy`` text (rendered with no language
    active), so the page can show them in whatever language the person uses later, and
    for an ``ngettext_lazy`` text its plural too; ("", "") for a text already written out."""
    if not isinstance(text, Promise):
        return "", ""
    # An ngettext_lazy text keeps its two forms as they were written, untranslated.
    forms = getattr(text, "_kw", {})
    if "plural" in forms:
        return forms["singular"], forms["plural"]
    with translation.override(None):
        return str(text), ""


def _in_language(text: str | Promise, params: dict[str, Any] | None) -> str:
    # A lazy plural picks its form from the count in ``params`` (``%`` does that). Text
    # already written out (a person's own words) is never formatted: it may hold a "%".
    return str(text % params) if params and isinstance(text, Promise) else str(text)


TITLE_CHARS = Notification._meta.get_field("title").max_length or 200


def notify(
    user: User,
    *,
    kind: str,
    title: str | Promise,
    body: str | Promise = "",
    params: dict[str, Any] | None = None,
    url: str = "",
    email: bool = True,
    dedupe_key: str | None = None,
) -> Notification | None:
    """An in-app notification, an event for open pages and, if the person wants it, an
    e-mail. With ``dedupe_key`` a repeat (retried job) returns None and sends nothing.

    Pass ``title``/``body`` as ``gettext_lazy`` strings with ``params`` to have them written
    in the recipient's language rather than in the language of whoever acted, and shown in
    their language of the moment later; a title with a count as ``ngettext_lazy(singular,
    plural, "n")`` with the count in ``params["n"]``; a time as a ``datetime``, written in
    their zone of the moment; a word of the product (a role's name) lazy, so it follows
    their language too. A title too long for its column (a
    long program name, many writers) is shortened, never refused."""
    stored_params = storable(params or {})
    with (
        translation.override(user.language or settings.LANGUAGE_CODE),
        timezone.override(zone_of(user)),
    ):
        written = readable(stored_params) if params else None
        rendered_title = Truncator(_in_language(title, written)).chars(TITLE_CHARS)
        rendered_body = _in_language(body, written)
    title_source, title_plural_source = _sources_of(title)
    try:
        with transaction.atomic():
            notification = Notification.objects.create(
                user=user,
                kind=kind,
                title=rendered_title,
                body=rendered_body,
                title_source=title_source,
                title_plural_source=title_plural_source,
                body_source=_sources_of(body)[0],
                params=stored_params,
                url=url,
                dedupe_key=dedupe_key,
            )
    except IntegrityError:
        return None
    publish_event(
        [user.pk],
        type="notification.new",
        payload={"id": notification.pk, "kind": kind, "title": rendered_title, "url": url},
    )
    if email and user.is_active and wants_email(user, kind):
        send_email_on_commit(
            user.email,
            "notifications/email/notification",
            {"notification": notification, "person": user},
            user.language,
        )
        notification.emailed_at = timezone.now()
        notification.save(update_fields=["emailed_at"])
    return notification


def mark_read(user: User, notification_ids: Iterable[int] | None = None) -> int:
    qs = Notification.objects.filter(user=user, read_at__isnull=True)
    if notification_ids is not None:
        qs = qs.filter(pk__in=list(notification_ids))
    return qs.update(read_at=timezone.now())


def mark_read_at(user: User, url: str) -> int:
    """The person has opened what these notifications point to: they are read (also those
    pointing to a place on the page, ``?at=26#m26``)."""
    at_page = Q(url=url) | Q(url__startswith=url + "?") | Q(url__startswith=url + "#")
    return Notification.objects.filter(at_page, user=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )


@transaction.atomic
def update_settings(user: User, *, language: str, channels: dict[str, str]) -> None:
    """The person's language (e-mails, and pages where the browser has not chosen one)
    and, per kind of notification, whether it also comes by e-mail."""
    set_language(user, language)
    for kind, channel in channels.items():
        set_preference(user, kind, channel)


def set_preference(user: User, kind: str, channel: str) -> NotificationPreference:
    preference, _created = NotificationPreference.objects.update_or_create(
        user=user, kind=kind, defaults={"channel": channel}
    )
    return preference
