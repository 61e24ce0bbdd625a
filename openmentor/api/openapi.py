"""What the OpenAPI document says beyond each endpoint's own success answer: the one error
body every operation may answer with, and what each kind of event means.

Kept in one place (``OpenMentorAPI.get_openapi_schema`` applies it to every operation),
so an endpoint added later is documented the same way without doing anything."""

from __future__ import annotations

from typing import Any

ERROR_SCHEMA_NAME = "Error"

ERROR_SCHEMA: dict[str, Any] = {
    "title": ERROR_SCHEMA_NAME,
    "type": "object",
    "description": "Every error under /api/v1/ has this body (never an HTML page).",
    "properties": {
        "code": {
            "type": "string",
            "description": "Stable and machine-readable: `invalid`, `unauthenticated`, "
            "`forbidden`, `not_found`, `method_not_allowed`, `conflict`, `too_large`, "
            "`validation_failed`, or a more precise code an operation documents.",
        },
        "message": {
            "type": "string",
            "description": "What went wrong, for people, in the person's language.",
        },
        "fields": {
            "type": "object",
            "additionalProperties": {"type": "string"},
            "description": "For a refused value: field name (as sent) → what is wrong with it.",
        },
        "retry_after": {
            "type": "integer",
            "description": "For `rate_limited`: seconds until the same request is accepted.",
        },
    },
    "required": ["code", "message"],
}

# Every operation may answer these; an operation that documents one itself keeps its own.
ERROR_RESPONSES: dict[int, str] = {
    400: "Bad request: the body is not valid JSON (`invalid`), or the request was refused "
    "for the reason in `message`.",
    401: "Not signed in (`unauthenticated`): send `Authorization: Bearer <token>`, or the "
    "session cookie with its CSRF token.",
    403: "Signed in, but not allowed to do this (`forbidden`, or a more precise code such "
    "as `blocked`, `conversation_closed`, `not_your_message`).",
    404: "No such thing, or not one this person may see (`not_found`).",
    405: "This address does not take this method (`method_not_allowed`); `Allow` lists "
    "those it takes.",
    409: "In conflict with the current state, e.g. already done or changed meanwhile "
    "(`conflict`, or a more precise code such as `message_deleted`, `client_id_reused`).",
    413: "The request is too large (`too_large`).",
    422: "A value is missing or not valid (`validation_failed`); `fields` says which.",
}


def error_response(description: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
    """One error answer as OpenAPI writes it, for an operation that documents its own."""
    response: dict[str, Any] = {
        "description": description,
        "content": {
            "application/json": {"schema": {"$ref": f"#/components/schemas/{ERROR_SCHEMA_NAME}"}}
        },
    }
    if headers:
        response["headers"] = {
            name: {"description": text, "schema": {"type": "string"}}
            for name, text in headers.items()
        }
    return response


RATE_LIMITED = error_response(
    "Too many messages from this person in the last minute (`rate_limited`): send again "
    "after `retry_after` seconds, with the same `client_id`.",
    {"Retry-After": "Seconds to wait, as `retry_after`."},
)

# Every type of event the code records (``publish_event`` and the helpers that call it),
# with what its payload holds. A test keeps this list and the code in step.
EVENT_TYPES: dict[str, str] = {
    "message.new": "A message was sent in one of the person's conversations. "
    "Payload: `conversation`, `message` (ids), `client_id`, `sender` (user id).",
    "message.scheduled": "To its sender: a message was stored to go out at its `send_at`. "
    "Payload as `message.new`.",
    "message.edited": "A message was edited. Payload as `message.new`.",
    "message.deleted": "A message was deleted. Payload as `message.new`.",
    "message.reacted": "Someone added or took back a reaction to a message (no unread "
    "count, no notification). Payload as `message.new`, and `user`: who reacted (id).",
    "message.not_sent": "To its sender: a scheduled message could not go out (a "
    "notification says why). Payload as `message.new`.",
    "conversation.read": "Someone read a conversation up to a message. Payload: "
    "`conversation`, `user`, `message` (ids).",
    "conversation.left": "To someone who left a group (they left its program): they no "
    "longer take part in the conversation, and read it only up to now. Payload: "
    "`conversation` (id).",
    "notification.new": "A new notification. Payload: `id`, `kind`, `title`, `url`.",
    "meeting.changed": "A meeting was booked, moved or cancelled. Payload: `id`, `status`, "
    "`starts_at` (ISO 8601).",
    "mentorship.status": "A mentorship changed status. Payload: `mentorship` (id).",
    "mentorship.agreement": "A mentorship's agreement changed. Payload: `mentorship`.",
    "mentorship.goal": "A mentorship's goals changed. Payload: `mentorship`.",
    "mentorship.session": "A mentorship session was logged. Payload: `mentorship`.",
    "mentorship.thanks": "Someone said thank you at the end of a mentorship. Payload: "
    "`mentorship`.",
}

EVENT_SCHEMA_NAME = "EventOut"

EVENT_DESCRIPTION = (
    "Something that happened for the person, in order: `id` is the cursor (pass the last "
    "one as `after`). The event log keeps ids only, never message text; fetch what changed "
    "(e.g. `GET /api/v1/messaging/messages/{message}`). A push over the WebSocket "
    "/ws/messaging/ also carries `data`: the message as `MessageOut`. Types:\n\n"
    + "\n".join(f"- `{kind}`: {text}" for kind, text in EVENT_TYPES.items())
)


def document_errors(schema: dict[str, Any]) -> None:
    """Add the error schema, and the error answers to every operation."""
    schema.setdefault("components", {}).setdefault("schemas", {})[ERROR_SCHEMA_NAME] = ERROR_SCHEMA
    for path_item in schema.get("paths", {}).values():
        for operation in path_item.values():
            responses = operation.setdefault("responses", {})
            for status, description in ERROR_RESPONSES.items():
                if status in responses or str(status) in responses:
                    continue
                header = {401: {"WWW-Authenticate": "`Bearer`"}, 405: {"Allow": "The methods"}}
                responses[status] = error_response(description, header.get(status))


def document_events(schema: dict[str, Any]) -> None:
    """The event's ``type`` as the enum of the types the code records, each explained."""
    event = schema.get("components", {}).get("schemas", {}).get(EVENT_SCHEMA_NAME)
    if event is None:
        return
    event["description"] = EVENT_DESCRIPTION
    event["properties"]["type"] = {
        "title": "Type",
        "type": "string",
        "enum": list(EVENT_TYPES),
        "description": "See the list in the schema's description.",
    }
