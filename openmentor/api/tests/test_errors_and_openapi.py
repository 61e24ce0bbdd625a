"""The API's contract beyond success answers: every error is the one documented JSON body,
in the person's language, and the OpenAPI document says so for every operation."""

from __future__ import annotations

import ast
import asyncio
import json
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest
from django.conf import settings
from django.test import Client

from conftest import wait_until
from openmentor.api.openapi import ERROR_RESPONSES, EVENT_TYPES
from openmentor.api.tests.test_api import bearer, post_json
from openmentor.core.body_limit import BodyLimit
from openmentor.messaging import services

pytestmark = pytest.mark.django_db

ERROR_STATUSES = {400, 401, 403, 404, 405, 409, 413, 422}


def openapi() -> dict[str, Any]:
    return Client().get("/api/v1/openapi.json").json()


def error_validator() -> Any:
    return jsonschema_rs.validator_for(openapi()["components"]["schemas"]["Error"])


def test_every_operation_documents_the_error_answers_with_one_schema() -> None:
    schema = openapi()
    assert set(ERROR_RESPONSES) == ERROR_STATUSES
    error = schema["components"]["schemas"]["Error"]
    assert error["required"] == ["code", "message"]
    assert error["properties"]["fields"]["additionalProperties"] == {"type": "string"}
    operations = [
        (path, method, operation)
        for path, item in schema["paths"].items()
        for method, operation in item.items()
    ]
    assert len(operations) > 50
    for path, method, operation in operations:
        for status in ERROR_STATUSES:
            answer = operation["responses"].get(str(status))
            assert answer, f"{method.upper()} {path} does not document {status}"
            assert answer["content"]["application/json"]["schema"] == {
                "$ref": "#/components/schemas/Error"
            }, f"{method.upper()} {path}: {status}"
        assert "WWW-Authenticate" in operation["responses"]["401"]["headers"]
        # The success answers are still there.
        assert any(code.startswith("2") for code in operation["responses"])


def test_real_error_bodies_match_the_error_schema(
    mentorship: Any, bob: Any, carol: Any, client_for: Any
) -> None:
    conversation = services.mentorship_conversation(mentorship)
    message = services.send_message(carol, conversation, body="hi", client_id="e1").message
    services.delete_message(carol, message.pk)
    client = bearer(bob)
    send_url = f"/api/v1/messaging/conversations/{conversation.pk}/messages"
    answers = {
        400: client.post(send_url, data="{not json", content_type="application/json"),
        401: Client().get("/api/v1/me"),
        403: client.get("/api/v1/programs/global-doctoral/memberships"),
        404: client.get("/api/v1/messaging/messages/987654"),
        409: post_json(client, f"/api/v1/messaging/messages/{message.pk}/report", {"reason": "x"}),
        413: client.post(
            send_url,
            data=json.dumps({"body": "a" * settings.DATA_UPLOAD_MAX_MEMORY_SIZE, "client_id": "b"}),
            content_type="application/json",
        ),
        422: post_json(client, send_url, {"body": "hi", "client_id": "no spaces"}),
    }
    validator = error_validator()
    properties = set(openapi()["components"]["schemas"]["Error"]["properties"])
    for status, response in answers.items():
        assert response.status_code == status, (status, response.content[:200])
        body = response.json()
        validator.validate(body)
        assert set(body) <= properties, body
    assert answers[400].json()["code"] == "invalid"
    assert answers[413].json()["code"] == "too_large"
    assert answers[422].json()["fields"] == {"client_id": "This value is not valid."}
    # Addresses and methods no endpoint answers, and the body-size guard in front of
    # Django (an ASGI app: it answers before Django reads anything).
    validator.validate(Client().get("/api/v1/no/such/thing").json())
    validator.validate(client.put(f"/api/v1/messaging/messages/{message.pk}").json())
    validator.validate(json.loads(too_large_before_django("/api/v1/messaging/blocks")))


def too_large_before_django(path: str) -> bytes:
    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    async def never(*_args: Any) -> None:
        raise AssertionError("the app must not be reached")

    scope = {"type": "http", "path": path, "method": "POST", "query_string": b"",
             "root_path": "", "headers": [(b"content-length", b"2000")]}  # fmt: skip
    asyncio.run(BodyLimit(never, limit=1000)(scope, never, send))
    assert sent[0]["status"] == 413
    return bytes(sent[1]["body"])


def test_unknown_addresses_are_json_404s_in_the_persons_language(bob: Any) -> None:
    unknown = Client().get("/api/v1/no/such/thing")
    assert unknown.status_code == 404
    assert unknown["Content-Type"] == "application/json"
    assert unknown.json() == {"code": "not_found", "message": "Not found."}
    # The same address with a slash at the end: says which address was meant.
    slashed = Client().get("/api/v1/me/")
    assert slashed.status_code == 404
    assert slashed.json()["code"] == "not_found"
    assert slashed.json()["message"].endswith(": /api/v1/me")
    # A script's token says whose language, though no endpoint signed it in.
    bob.language = "fr"
    bob.save(update_fields=["language"])
    french = bearer(bob).get("/api/v1/no/such/thing")
    assert french.status_code == 404
    assert french.json() == {"code": "not_found", "message": "Introuvable."}
    # Pages outside the API keep their HTML 404.
    assert Client().get("/no/such/page/")["Content-Type"].startswith("text/html")


def test_a_wrong_method_is_a_json_405_with_allow_in_the_persons_language(
    mentorship: Any, bob: Any, carol: Any, client_for: Any
) -> None:
    conversation = services.mentorship_conversation(mentorship)
    message = services.send_message(carol, conversation, body="hi", client_id="m1").message
    url = f"/api/v1/messaging/messages/{message.pk}"
    refused = bearer(carol).put(url)
    assert refused.status_code == 405
    assert refused.json()["code"] == "method_not_allowed"
    assert "PUT" in refused.json()["message"]
    assert set(refused["Allow"].replace(" ", "").split(",")) == {"GET", "PATCH", "DELETE"}
    bob.language = "es"
    bob.save(update_fields=["language"])
    spanish = client_for(bob).post(url)
    assert spanish.status_code == 405
    assert spanish.json()["message"].startswith("Esta dirección no acepta POST.")


def test_a_401_says_how_to_authenticate(bob: Any) -> None:
    for response in (
        Client().get("/api/v1/me"),
        Client(HTTP_AUTHORIZATION="Bearer om_not_a_token").get("/api/v1/me"),
    ):
        assert response.status_code == 401
        assert response["WWW-Authenticate"] == "Bearer"
        assert response.json()["code"] == "unauthenticated"


def _emitted_event_types() -> set[str]:
    """Every event type a string literal in the code gives to ``publish_event``,
    ``publish_events``, messaging's ``_tell_sender`` / ``_publish_message_event`` or
    mentorships' ``_tell_others`` (which publishes ``mentorship.<kind>``)."""
    found: set[str] = set()
    root = Path(settings.BASE_DIR) / "openmentor"
    for path in root.rglob("*.py"):
        if "tests" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", getattr(node.func, "attr", ""))
            keywords = {k.arg: k.value for k in node.keywords}
            value: ast.AST | None = None
            if name == "publish_event":
                value = keywords.get("type")
            elif name in ("_tell_sender", "_publish_message_event") and len(node.args) > 1:
                value = node.args[1]
            elif name == "_tell_others" and isinstance(keywords.get("kind"), ast.Constant):
                found.add(f"mentorship.{keywords['kind'].value}")  # type: ignore[union-attr]
            elif name == "publish_events":
                for item in ast.walk(node):
                    if isinstance(item, ast.Tuple) and len(item.elts) == 4:
                        value = item.elts[1]
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                found.add(value.value)
    return found


def test_the_documented_event_types_are_those_the_code_records() -> None:
    emitted = _emitted_event_types()
    assert {"message.new", "notification.new", "meeting.changed"} <= emitted
    assert emitted == set(EVENT_TYPES)
    event = openapi()["components"]["schemas"]["EventOut"]
    assert event["properties"]["type"]["enum"] == list(EVENT_TYPES)
    for kind in EVENT_TYPES:
        assert f"`{kind}`" in event["description"]


def test_the_description_tells_a_token_client_what_it_needs() -> None:
    schema = openapi()
    text = schema["info"]["description"]
    for needed in (
        "/ws/messaging/",
        "/messages/poll/",
        "GET /api/v1/events?after=",
        "Origin",
        f"{settings.MAX_REQUEST_BYTES // (1024 * 1024)} MB",
        "X-Search-Older-Than",
        "If-None-Match",
    ):
        assert needed in text, needed
    search = schema["paths"]["/api/v1/messaging/search"]["get"]["responses"]["200"]
    assert search["headers"]["X-Search-Older-Than"]["schema"] == {"type": "integer"}


@pytest.mark.browser
def test_the_api_docs_page_works_without_a_cdn(page: Any, asgi_server: str) -> None:
    """Swagger UI from the site's own static files: the CSP allows scripts from 'self'
    only, and the machine may reach no CDN at all."""
    from playwright.sync_api import expect

    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security" in m.text else None)
    page.goto(f"{asgi_server}/api/v1/docs")
    # Swagger UI renders from a megabyte of script: slow when the suite loads both cores.
    expect(page.locator(".opblock").first).to_be_visible(timeout=20_000)
    wait_until(page, "document.querySelectorAll('.opblock').length > 40")
    assert page.get_attribute("html", "lang") == "en"
    assert not [text for text in refused if "script" in text], refused
