from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Field, Router, Schema

from openmentor.core.types import AuthenticatedRequest

from . import selectors, services

router = Router(tags=["events"])


class EventOut(Schema):
    id: int
    type: str
    payload: dict[str, Any]
    created_at: datetime


class EventsOut(Schema):
    events: list[EventOut]
    last_id: int = Field(..., description="Pass as `after` next time.")


class NotificationOut(Schema):
    id: int
    kind: str
    # In the person's language of the moment (see Notification.shown_title).
    title: str = Field(..., alias="shown_title")
    body: str = Field(..., alias="shown_body")
    url: str
    created_at: datetime
    read_at: datetime | None


class MarkReadIn(Schema):
    ids: list[int] | None = None


@router.get("/events", response=EventsOut, summary="Everything that happened after a cursor")
def events(request: AuthenticatedRequest, after: int = 0) -> EventsOut:
    rows = selectors.events_after(request.user, max(after, 0))
    last = selectors.cursor_after(request.user, max(after, 0), rows)
    return EventsOut(events=rows, last_id=last)  # type: ignore[arg-type]


@router.get("/notifications", response=list[NotificationOut])
def notifications(request: AuthenticatedRequest) -> Any:
    return selectors.notifications_for(request.user)[:100]


@router.post("/notifications/read", response=dict[str, int], summary="Mark notifications read")
def mark_read(request: AuthenticatedRequest, payload: MarkReadIn) -> dict[str, int]:
    return {"marked": services.mark_read(request.user, payload.ids)}
