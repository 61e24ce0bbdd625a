"""End to end in Chromium: a mentee books a slot shown in their own zone, then mentor and
mentee meet in the live room (fake camera and microphone) and one drops to audio only."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from conftest import assert_accessible, wait_until
from openmentor.scheduling.models import Meeting

pytestmark = pytest.mark.browser

CONNECTED = '#room[data-connection-state="connected"]'


def sign_in(context: Any, server: str, client: Any) -> None:
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": server}]
    )


def test_mentee_books_in_own_zone_and_both_reach_a_connected_call(
    asgi_server: str,
    page: Any,
    browser: Any,
    client_for: Any,
    mentorship: Any,
    bob: Any,
    carol_available: Any,
) -> None:
    sign_in(page.context, asgi_server, client_for(bob))
    page.goto(f"{asgi_server}{reverse('scheduling:find_time', args=[mentorship.pk])}?days=3")
    first_row = page.locator("table.slots tbody tr").first
    slot_utc = first_row.get_attribute("data-slot")
    shown = first_row.locator(".slot-time").inner_text()
    from datetime import datetime

    starts = datetime.fromisoformat(slot_utc)
    in_sao_paulo = starts.astimezone(ZoneInfo("America/Sao_Paulo"))
    # Bob sees the slot in his own zone (UTC-3), not in UTC or in Carol's zone.
    assert in_sao_paulo.strftime("%H:%M") in shown
    first_row.get_by_role("link", name="Book").click()
    when = page.get_by_label("Starts at (your time)")
    assert when.input_value() == in_sao_paulo.strftime("%Y-%m-%dT%H:%M")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/scheduling/meetings/*/")
    assert in_sao_paulo.strftime("%H:%M") in page.locator("#meeting-when").inner_text()
    meeting = Meeting.objects.get()
    assert meeting.starts_at == starts and meeting.status == "confirmed"

    room_url = f"{asgi_server}{reverse('scheduling:room', args=[meeting.pk])}"
    page.goto(room_url)
    carol_context = browser.new_context(locale="en-GB", timezone_id="Asia/Kolkata")
    try:
        sign_in(carol_context, asgi_server, client_for(carol_available))
        carol_page = carol_context.new_page()
        carol_page.set_default_timeout(20_000)
        carol_page.goto(room_url)
        page.wait_for_selector(CONNECTED, timeout=20_000)
        carol_page.wait_for_selector(CONNECTED)
        states = page.evaluate(
            "Object.values(window.openmentorRoom.peers).map(p => p.pc.connectionState)"
        )
        assert states == ["connected"]
        # The quality indicator reads getStats once connected.
        page.wait_for_selector('#room[data-quality="good"], #room[data-quality="fair"]')

        # Microphone and camera toggles switch the local tracks off and say so.
        page.get_by_role("button", name="Mute microphone").click()
        unmute = page.get_by_role("button", name="Unmute microphone")
        # The label says it; "pressed" as well read "Unmute microphone, pressed".
        assert unmute.get_attribute("aria-pressed") is None
        assert unmute.get_attribute("data-on") == "true"
        assert (
            page.evaluate(
                "document.getElementById('local-video').srcObject.getAudioTracks()[0].enabled"
            )
            is False
        )
        page.get_by_role("button", name="Turn camera off").click()
        assert (
            page.evaluate(
                "document.getElementById('local-video').srcObject.getVideoTracks()[0].enabled"
            )
            is False
        )
        page.get_by_role("button", name="Turn camera on").click()

        # Sharing the screen replaces the camera on the link to Carol, and stopping puts
        # the camera back (Chromium's fake capture stands in for the screen picker).
        sent_video = """() => Object.values(window.openmentorRoom.peers).flatMap(p =>
            p.pc.getSenders().filter(s => s.track && s.track.kind === 'video')
                .map(s => s.track.label))"""
        camera = page.evaluate(f"({sent_video})()")
        assert camera and not any(label.startswith("screen") for label in camera)
        page.get_by_role("button", name="Share screen").click()
        wait_until(page, f"() => ({sent_video})().every(label => label.startsWith('screen'))")
        assert page.get_by_role("button", name="Stop sharing").get_attribute("data-on") == "true"
        page.get_by_role("button", name="Stop sharing").click()
        wait_until(
            page, f"camera => JSON.stringify(({sent_video})()) === JSON.stringify(camera)", camera
        )

        page.get_by_role("button", name="Audio only (low bandwidth)").click()
        page.wait_for_selector('#room[data-mode="audio"]')
        video_sending = """() => Object.values(window.openmentorRoom.peers).some(p =>
            p.pc.getTransceivers().some(t => t.receiver.track.kind === 'video' && t.sender.track))"""
        wait_until(page, f"() => !({video_sending})()")
        # Carol stops sending video to Bob too: his link carries audio only.
        wait_until(carol_page, f"() => !({video_sending})()")
        assert page.get_attribute("#room", "data-connection-state") == "connected"
    finally:
        carol_context.close()


@pytest.mark.django_db(transaction=True)
def test_scheduling_pages_have_no_serious_accessibility_violations(
    live_server: Any,
    browser: Any,
    client_for: Any,
    mentorship: Any,
    bob: Any,
    carol_available: Any,
) -> None:
    from openmentor.scheduling import services

    from .conftest import in_thread, next_weekday

    meeting = in_thread(
        lambda: services.book_meeting(
            bob, mentorship, starts_at=next_weekday(2, 10), duration_minutes=60
        )
    )
    context = browser.new_context(locale="en-GB", bypass_csp=True)  # axe is injected
    try:
        sign_in(context, live_server.url, client_for(bob))
        page = context.new_page()
        for name, args in [
            ("scheduling:my_meetings", []),
            ("scheduling:availability", []),
            ("scheduling:find_time", [mentorship.pk]),
            ("scheduling:book", [mentorship.pk]),
            ("scheduling:meeting", [meeting.pk]),
            ("scheduling:calendar_feed", []),
        ]:
            page.goto(f"{live_server.url}{reverse(name, args=args)}")
            assert_accessible(page)
    finally:
        context.close()


def test_when_the_call_cannot_connect_the_room_falls_back_to_audio_then_chat(
    asgi_server: str,
    page: Any,
    browser: Any,
    client_for: Any,
    mentorship: Any,
    bob: Any,
    carol_available: Any,
    settings: Any,
    monkeypatch: Any,
) -> None:
    from openmentor.scheduling import services

    from .conftest import in_thread, next_weekday

    # Relay-only through a TURN server that does not exist: WebRTC can never connect.
    monkeypatch.setenv(
        "OPENMENTOR_ICE_SERVERS",
        '[{"urls": "turn:127.0.0.1:9", "username": "x", "credential": "y"}]',
    )
    monkeypatch.setenv("OPENMENTOR_ICE_TRANSPORT_POLICY", "relay")
    settings.OPENMENTOR_ROOM_CONNECT_TIMEOUT_MS = 1500
    meeting = in_thread(
        lambda: services.book_meeting(
            bob, mentorship, starts_at=next_weekday(2, 10), duration_minutes=60
        )
    )
    room_url = f"{asgi_server}{reverse('scheduling:room', args=[meeting.pk])}"
    sign_in(page.context, asgi_server, client_for(bob))
    page.goto(room_url)
    carol_context = browser.new_context(locale="en-GB", timezone_id="Asia/Kolkata")
    try:
        sign_in(carol_context, asgi_server, client_for(carol_available))
        carol_page = carol_context.new_page()
        carol_page.goto(room_url)
        for person in (page, carol_page):
            person.wait_for_selector('#room[data-fallback="chat"][data-mode="audio"]')
        assert "Use the chat below" in page.locator("#room-status").inner_text()
        # The chat still works, and goes to the mentorship's conversation.
        page.get_by_label("Message").fill("My connection is bad, let's chat.")
        page.get_by_role("button", name="Send").click()
        carol_page.get_by_text("My connection is bad, let's chat.").wait_for()
    finally:
        carol_context.close()
