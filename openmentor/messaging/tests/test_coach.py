from __future__ import annotations

from datetime import UTC, datetime

from openmentor.messaging import coach

NOON_UTC = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def codes(text: str, **kwargs: object) -> list[str]:
    options = {"is_first_message": False, "recipients": [("Bob", "UTC")], "now": NOON_UTC, **kwargs}
    return [h.code for h in coach.hints(text, **options)]  # type: ignore[arg-type]


def test_hints_for_shouting_missing_greeting_walls_and_harsh_words() -> None:
    assert codes("WHY HAVE YOU NOT REPLIED TO ME YET") == ["all_caps"]
    assert codes("Can we meet?", is_first_message=True) == ["no_greeting"]
    assert codes("Hola, ¿nos vemos?", is_first_message=True) == []
    assert codes("word " * 700) == ["wall_of_text"]
    assert codes("That was a stupid idea") == ["harsh_words"]
    assert codes("Eso fue estúpido") == ["harsh_words"]
    assert codes("Thanks, see you soon!") == []


def test_night_for_the_recipient_suggests_their_morning() -> None:
    # 12:00 UTC is 22:00 in Sydney (AEDT is UTC+11 in March: 23:00).
    hints = coach.hints(
        "Thanks!", is_first_message=False, recipients=[("Bob", "Australia/Sydney")], now=NOON_UTC
    )
    assert [h.code for h in hints] == ["recipient_night"]
    morning = hints[0].suggested_send_at
    assert morning is not None
    assert morning.hour == 8 and morning > NOON_UTC


def test_in_a_group_the_coach_names_whose_night_it_is() -> None:
    circle = [
        ("Thabo", "Africa/Johannesburg"),
        ("Wen", "Asia/Singapore"),
        ("Ana", "Pacific/Auckland"),
    ]
    # 12:00 UTC: 14:00 in Johannesburg, 20:00 in Singapore, 01:00 in Auckland (NZDT).
    [hint] = coach.hints("Thanks!", is_first_message=False, recipients=circle, now=NOON_UTC)
    assert (hint.code, hint.message) == ("members_night", "It is night for Ana.")
    assert hint.suggested_send_at is None  # no single morning to wait for
    assert codes("Thanks!", recipients=[]) == []  # a support thread: a team answers
