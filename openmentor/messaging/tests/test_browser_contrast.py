"""Colour contrast in dark mode, measured in Chromium: every text against what is behind
it reaches WCAG AA (4.5:1), banners and secondary buttons included."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from openmentor.messaging import services
from openmentor.messaging.models import Message
from openmentor.messaging.tests.test_browser import send_from_another_thread, signed_in_page

pytestmark = pytest.mark.browser

AA = 4.5

# The colour of an element's text and the colour behind it: the backgrounds of the element
# and its ancestors blended from the page down (a transparent one lets the one below show).
COLOURS = """
element => {
  const parse = value => {
    const parts = value.match(/[\\d.]+/g).map(Number);
    return [parts[0], parts[1], parts[2], parts.length > 3 ? parts[3] : 1];
  };
  const layers = [];
  for (let node = element; node; node = node.parentElement) {
    layers.unshift(parse(getComputedStyle(node).backgroundColor));
  }
  let behind = [255, 255, 255];
  for (const [r, g, b, a] of layers) {
    behind = [r * a + behind[0] * (1 - a), g * a + behind[1] * (1 - a), b * a + behind[2] * (1 - a)];
  }
  const [r, g, b, a] = parse(getComputedStyle(element).color);
  const text = [r * a + behind[0] * (1 - a), g * a + behind[1] * (1 - a), b * a + behind[2] * (1 - a)];
  return { text, behind };
}
"""

# Every visible element with words of its own (not only inside its children).
WORDED = """
() => Array.from(document.querySelectorAll("body *")).filter(element =>
  !["SCRIPT", "STYLE", "OPTION", "TEMPLATE"].includes(element.tagName)
  && element.getClientRects().length > 0
  && getComputedStyle(element).visibility === "visible"
  && Array.from(element.childNodes).some(node => node.nodeType === 3 && node.textContent.trim()))
"""


def luminance(rgb: list[float]) -> float:
    def channel(value: float) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    red, green, blue = (channel(v) for v in rgb)
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast(first: list[float], second: list[float]) -> float:
    lighter, darker = sorted((luminance(first), luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def ratio_of(locator: Any) -> float:
    colours = locator.evaluate(COLOURS)
    return contrast(colours["text"], colours["behind"])


def too_faint(page: Any) -> list[str]:
    """Each worded element under 4.5:1, as "ratio <tag class>: text"."""
    faint = []
    elements = page.evaluate_handle(WORDED)
    for index in range(elements.evaluate("list => list.length")):
        element = elements.evaluate_handle("(list, i) => list[i]", index).as_element()
        ratio = ratio_of(element)
        if ratio < AA:
            described = element.evaluate(
                "e => e.tagName.toLowerCase() + '.' + e.className + ': ' + e.textContent.trim()"
            )
            faint.append(f"{ratio:.2f} {described[:80]}")
    return faint


def test_dark_mode_banners_and_secondary_buttons_are_readable(
    browser: Any, asgi_server: str, conversation: Any, carol: Any, bob: Any, client_for: Any
) -> None:
    send_from_another_thread(
        lambda: services.send_message(carol, conversation, body="Rude words", client_id="d1")
    )
    message = Message.objects.get(client_id="d1")
    context, page = signed_in_page(browser, asgi_server, client_for(bob).cookies["sessionid"].value)
    page.emulate_media(color_scheme="dark")
    try:
        # Reporting a message brings Bob back to the thread with a (success) banner.
        page.goto(f"{asgi_server}/messages/message/{message.pk}/report/")
        page.get_by_label("What is wrong with this message?").fill("Unkind.")
        page.get_by_role("button", name="Send report").click()
        banner = page.locator("main .messages .message.success")
        expect(banner).to_have_text("Thank you. The coordinators will look at this message.")
        expect(page.locator("#connection")).to_have_text("Live")
        assert page.evaluate("matchMedia('(prefers-color-scheme: dark)').matches")

        assert ratio_of(banner) >= AA
        for name in ["Check my message", "Turn off writing hints"]:
            button = page.get_by_role("button", name=name)
            assert "secondary" in (button.get_attribute("class") or "")
            assert ratio_of(button) >= AA, name
        assert too_faint(page) == []

        # The other kinds of banner and badge, the danger button, error text and the writing
        # coach's hints, as the stylesheets draw them on this page.
        page.evaluate(
            """() => {
              const main = document.querySelector("main");
              main.insertAdjacentHTML("afterbegin",
                '<div class="messages" id="kinds"><p class="message">Info</p>'
                + '<p class="message info">Info too</p><p class="message error">Error</p>'
                + '<p class="message warning">Warning</p></div>'
                + '<p id="extras"><span class="badge">Badge</span> <span class="badge ok">Done</span>'
                + ' <span class="badge warn">Late</span> <span class="error">Wrong</span>'
                + ' <span class="req">*</span> <button class="danger">Remove</button>'
                + ' <button class="secondary">Secondary</button>'
                + ' <a class="button secondary" href="#">Secondary link</a></p>'
                + '<div class="coach"><p>Hint <span class="muted">aside</span> <a href="#">link</a></p></div>');
            }"""
        )
        assert too_faint(page) == []

        # The conversation list: its secondary "Search" and "Write to the coordinators".
        page.goto(f"{asgi_server}/messages/")
        search = page.get_by_role("button", name="Search", exact=True)
        assert ratio_of(search) >= AA
        coordinators = page.get_by_role("button", name=re.compile("^Write to the coordinators of "))
        assert ratio_of(coordinators) >= AA
        assert too_faint(page) == []

        # The pages around a message.
        send_from_another_thread(lambda: services.edit_message(carol, message.pk, "Kind words"))
        for path in [
            f"/messages/message/{message.pk}/history/",
            f"/messages/message/{message.pk}/report/",
            "/messages/search/?q=kind",
            f"/messages/support/{conversation.program.slug}/",
        ]:
            page.goto(f"{asgi_server}{path}")
            assert too_faint(page) == [], path
    finally:
        context.close()
