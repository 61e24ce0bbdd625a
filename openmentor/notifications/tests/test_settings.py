"""A person chooses what comes by e-mail and in which language, on a page of their own."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.test import Client

from openmentor.notifications import services
from openmentor.notifications.models import NotificationPreference


@pytest.mark.django_db(transaction=True)
def test_settings_choose_the_language_and_what_comes_by_email(bob: Any, client_for: Any) -> None:
    client = client_for(bob)
    page = client.get("/notifications/settings/").content.decode()
    assert "Messages waiting for you" in page and 'name="language"' in page
    assert '<option value="es">español</option>' in page  # in its own words
    choices = {
        "language": "fr",
        "messages": "in_app",
        "reports": "email",
        "matching": "email",
        "meetings": "in_app",
        "mentorship": "email",
        "membership": "in_app",
        "resources": "email",
        "surveys": "email",
    }
    saved = client.post("/notifications/settings/", choices)
    assert saved.status_code == 302
    bob.refresh_from_db()
    assert bob.language == "fr"
    assert not services.wants_email(bob, "messaging.unread")
    assert not services.wants_email(bob, "meeting_reminder")
    assert services.wants_email(bob, "matching.request")
    assert not services.wants_email(bob, "membership")
    # The pages follow at once (the "saved" too), and the e-mails come in French with a way
    # back here.
    after = client.get("/notifications/settings/").content.decode()
    assert "Paramètres des notifications" in after and "Vos paramètres sont enregistrés." in after
    services.notify(bob, kind="matching.request", title="Hello", url="/x/")
    [email] = mail.outbox
    assert "/notifications/settings/" in email.body

    # A language that is not offered changes nothing.
    preferences = NotificationPreference.objects.filter(user=bob).order_by("kind")
    before = list(preferences.values_list("kind", "channel"))
    refused = client.post(
        "/notifications/settings/", {**choices, "language": "xx", "messages": "email"}
    )
    assert refused.status_code == 400
    incomplete = client.post("/notifications/settings/", {**choices, "meetings": ""})
    # The missing choice is announced with its group (the radios' fieldset).
    assert 'aria-describedby=" id_meetings_error"' in incomplete.content.decode()
    bob.refresh_from_db()
    assert bob.language == "fr"
    assert list(preferences.values_list("kind", "channel")) == before


@pytest.mark.django_db
def test_the_language_menu_is_the_persons_setting_on_every_device(
    bob: Any, client_for: Any
) -> None:
    client_for(bob).post("/i18n/setlang/", {"language": "es", "next": "/dashboard/"})
    bob.refresh_from_db()
    assert bob.language == "es"
    # Another browser, no language picked there: the pages come in Spanish.
    other_device = Client()
    other_device.force_login(bob)
    assert '<html lang="es">' in other_device.get("/dashboard/").content.decode()
    # A browser that kept an older choice follows the saved one too.
    old_device = client_for(bob)
    old_device.cookies["django_language"] = "pt"
    assert '<html lang="es">' in old_device.get("/dashboard/").content.decode()
    # Someone signed out picks a language for the browser only.
    assert Client().post("/i18n/setlang/", {"language": "pt"}).status_code == 302
