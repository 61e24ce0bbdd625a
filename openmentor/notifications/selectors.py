from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from openmentor.accounts.models import User

from .models import Notification, NotificationPreference, UserEvent

EVENT_RETENTION = timedelta(days=7)


def events_after(user: User, after: int, limit: int = 500) -> list[UserEvent]:
    return list(UserEvent.objects.filter(user=user, id__gt=after).order_by("id")[:limit])


def cursor_after(user: User, after: int, events: list[UserEvent]) -> int:
    """Where the client goes on from: the last event given, or with none its own cursor,
    but never past the person's newest event (a cursor from before a database restore,
    or made up, would otherwise skip every event to come)."""
    if events:
        return events[-1].pk
    return min(after, latest_event_id(user)) if after else 0


def latest_event_id(user: User) -> int:
    return (
        UserEvent.objects.filter(user=user).order_by("-id").values_list("id", flat=True).first()
        or 0
    )


def notifications_for(user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(user=user).order_by("-created_at")


def unread_count(user: User) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def expired_events_cutoff() -> datetime:
    return timezone.now() - EVENT_RETENTION


def channels_for(user: User) -> dict[str, str]:
    """Kind → channel for the kinds the person has chosen for (e-mail for the others)."""
    return dict(NotificationPreference.objects.filter(user=user).values_list("kind", "channel"))
