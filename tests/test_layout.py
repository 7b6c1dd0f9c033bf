"""Unit: how quoted answers are laid out in messages Telegram accepts (never a partner's words
cut when they can go whole)."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.core.models import Answer
from bot.core.outbox import MAX_TEXT, Outgoing, fit, render, spread

NOW = datetime(2025, 6, 2, 20, tzinfo=UTC)


def answer(answer_id: int, text: str, kind: str = "text") -> Answer:
    return Answer(
        id=answer_id, prompt_id=1, partner_id=answer_id, kind=kind, text=text, chat_id=answer_id,
        message_id=100 + answer_id, in_group=False, created_at=NOW,
    )  # fmt: skip


def test_fit_counts_what_telegram_counts_not_the_escaping() -> None:
    body = "it's " * 700  # 3,500 visible characters, 6,300 once escaped
    assert fit("Header", body) == "Header\n\n" + body.replace("'", "&#x27;")
    cut = fit("Header", "x" * 5000)
    assert cut.endswith("…") and len(cut) == MAX_TEXT


def test_a_short_answer_leaves_its_room_to_the_long_one() -> None:
    long, short = answer(1, "a" * 3000 + " END"), answer(2, "a line")
    message = Outgoing(10, "Both answers are in", quotes=[(1, "<b>A</b>:"), (2, "<b>B</b>:")])
    assert spread(message, {1: long, 2: short}) == [message]
    text = render(message.payload(), {1: long, 2: short})
    assert "END" in text and "a line" in text and len(text) <= MAX_TEXT


def test_what_does_not_fit_goes_whole_in_order_with_buttons_last_and_fallback_first() -> None:
    first, second = answer(1, "a" * 3000 + " ONE"), answer(2, "b" * 3000 + " TWO")
    fallback = Outgoing(10, "waiting")
    buttons = [[{"text": "💛", "data": "w:1"}]]
    message = Outgoing(
        20, "Header", buttons=buttons, quotes=[(1, "A:"), (2, "B:")], fallback=fallback
    )
    parts = spread(message, {1: first, 2: second})
    assert [(p.text, p.quotes) for p in parts] == [("Header", [(1, "A:")]), ("", [(2, "B:")])]
    assert [p.buttons for p in parts] == [[], buttons]
    assert [p.fallback for p in parts] == [fallback, None]
    texts = [render(p.payload(), {1: first, 2: second}) for p in parts]
    assert texts[0].endswith("ONE") and texts[1].endswith("TWO")


def test_an_answer_longer_than_any_message_with_its_label_is_copied_whole() -> None:
    whole = answer(1, "c" * MAX_TEXT)
    message = Outgoing(20, "Header", quotes=[(1, "<b>A</b>:")])
    parts = spread(message, {1: whole})
    assert [(p.text, p.quotes, p.copy_from) for p in parts] == [
        ("Header", [], None),
        ("<b>A</b>:", [], None),
        ("", [], (1, 101)),
    ]


def test_a_message_quoting_nothing_is_left_as_it_is() -> None:
    message = Outgoing(20, "", copy_from=(1, 2))
    assert spread(message, {}) == [message]
