from __future__ import annotations

import json
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core import mail

from openmentor.core.consumers import user_group_name
from openmentor.notifications import services
from openmentor.notifications.models import Notification, UserEvent


@pytest.mark.django_db(transaction=True)
def test_events_are_catchable_from_a_cursor_and_pushed_after_commit(
    bob: Any, carol: Any, client_for
) -> None:
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(user_group_name(bob.pk), channel)

    first = services.publish_event([bob.pk, carol.pk], type="demo.happened", payload={"n": 1})
    services.publish_event([bob.pk], type="demo.happened", payload={"n": 2})

    pushed = async_to_sync(layer.receive)(channel)
    assert json.loads(pushed["text"]) == {
        "id": first[0],
        "type": "demo.happened",
        "payload": {"n": 1},
    }

    response = client_for(bob).get(f"/api/v1/events?after={first[0]}")
    assert response.status_code == 200
    body = response.json()
    assert [e["payload"]["n"] for e in body["events"]] == [2]
    assert body["last_id"] == UserEvent.objects.filter(user=bob).latest("id").pk

    # Carol sees only her own events.
    carol_events = client_for(carol).get("/api/v1/events?after=0").json()["events"]
    assert [e["payload"]["n"] for e in carol_events] == [1]


@pytest.mark.django_db(transaction=True)
def test_notify_emails_once_per_dedupe_key_and_respects_preferences(bob: Any, carol: Any) -> None:
    services.notify(bob, kind="reminder", title="Meeting tomorrow", url="/x/", dedupe_key="m1-24h")
    again = services.notify(bob, kind="reminder", title="Meeting tomorrow", dedupe_key="m1-24h")
    assert again is None
    assert Notification.objects.filter(user=bob).count() == 1
    assert [m.to for m in mail.outbox] == [[bob.email]]

    services.set_preference(carol, "reminder", "in_app")
    services.notify(carol, kind="reminder", title="Meeting soon")
    assert Notification.objects.filter(user=carol).count() == 1
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_events_need_sign_in_and_notifications_page_is_personal(
    bob: Any, carol: Any, client_for
) -> None:
    from django.test import Client

    assert Client().get("/api/v1/events").status_code == 401
    services.notify(bob, kind="x", title="For Bob only", email=False)
    assert "For Bob only" in client_for(bob).get("/notifications/").content.decode()
    assert "For Bob only" not in client_for(carol).get("/notifications/").content.decode()


@pytest.mark.django_db
def test_notifications_are_written_in_the_recipients_language(bob: Any, carol: Any) -> None:
    from django.utils import translation
    from django.utils.translation import gettext_lazy

    carol.language = "es"
    carol.save()
    with translation.override("en"):
        services.notify(
            carol,
            kind="thanks",
            title=gettext_lazy("%(name)s says thank you"),
            params={"name": "Bob"},
            email=False,
        )
    assert Notification.objects.get(user=carol).title == "Bob te da las gracias"


@pytest.mark.django_db
def test_a_notification_follows_the_persons_language_after_they_change_it(
    bob: Any, client_for: Any
) -> None:
    """Made while Bob read English; he then switched to Portuguese."""
    from django.utils.translation import gettext_lazy

    from openmentor.notifications.services import notify

    notify(
        bob,
        kind="messaging.report",
        title=gettext_lazy("A message was reported in %(program)s"),
        params={"program": "Data Skills"},
    )
    notify(bob, kind="demo", title="Written out once")  # no source kept: shown as written
    assert list(Notification.objects.values_list("title", flat=True).order_by("id")) == [
        "A message was reported in Data Skills",
        "Written out once",
    ]
    bob.language = "pt"
    bob.save(update_fields=["language"])
    page = client_for(bob).get("/notifications/").content.decode()
    assert "Uma mensagem foi denunciada em Data Skills" in page and "Written out once" in page
    titles = [n["title"] for n in client_for(bob).get("/api/v1/notifications").json()]
    assert titles == ["Written out once", "Uma mensagem foi denunciada em Data Skills"]


@pytest.mark.django_db
def test_a_notification_whose_values_were_changed_by_hand_is_shown_as_written(
    bob: Any, client_for: Any
) -> None:
    from datetime import datetime

    from django.utils.translation import gettext_lazy

    made = services.notify(
        bob,
        kind="meeting",
        title=gettext_lazy("Meeting booked for %(when)s"),
        params={"when": datetime(2030, 1, 1, 10, 0)},  # no zone: taken as UTC
        email=False,
    )
    # 10:00 UTC is 7 a.m. in Bob's São Paulo.
    assert made is not None and made.title == "Meeting booked for Jan. 1, 2030, 7 a.m."
    for broken in ({"when": {"datetime": "2024-13-01"}}, {"when": {"date": None}}, ["x"]):
        made.params = broken
        made.save(update_fields=["params"])
        assert client_for(bob).get("/notifications/").status_code == 200
        titles = [n["title"] for n in client_for(bob).get("/api/v1/notifications").json()]
        assert titles == ["Meeting booked for Jan. 1, 2030, 7 a.m."]
