"""What Telegram refuses in a message, as the fake Bot API checks it: HTML parse mode, lengths,
buttons; and its error bodies."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

ALLOWED_TAGS = {
    "b",
    "strong",
    "i",
    "em",
    "u",
    "ins",
    "s",
    "strike",
    "del",
    "code",
    "pre",
    "a",
    "tg-spoiler",
    "blockquote",
    "span",
}
JSONDict = dict[str, Any]
MAX_TEXT = 4096  # characters of a message's visible text
MAX_CAPTION = 1024  # characters of a document's caption
MAX_ALERT = 200  # characters of an answerCallbackQuery text
MAX_CALLBACK_DATA = 64  # bytes of a button's callback data


class _EntityCheck(HTMLParser):
    """Rejects what Telegram's HTML parse mode rejects: unknown or unbalanced tags."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.stack: list[str] = []
        self.error = ""
        self.plain: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            self.error = f'Unsupported start tag "{tag}"'
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack.pop() != tag:
            self.error = f'Unexpected end tag "{tag}"'

    def handle_data(self, data: str) -> None:
        if "<" in data or ">" in data:
            self.error = self.error or "Unsupported start tag"
        self.plain.append(data)

    def handle_entityref(self, name: str) -> None:
        known = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
        if name not in known:
            self.error = self.error or f'Unsupported HTML entity "&{name};"'
        self.plain.append(known.get(name, ""))

    def handle_charref(self, name: str) -> None:
        code = int(name[1:], 16) if name.lower().startswith("x") else int(name)
        self.plain.append(chr(code))


def html_to_plain(text: str) -> tuple[str, str]:
    """The visible text of an HTML message and a parse error ('' when fine)."""
    checker = _EntityCheck()
    checker.feed(text)
    checker.close()
    if checker.stack and not checker.error:
        checker.error = f'Can\'t find end tag corresponding to start tag "{checker.stack[-1]}"'
    return "".join(checker.plain), checker.error


def error_body(code: int, description: str, parameters: JSONDict | None = None) -> JSONDict:
    """The JSON body of a Bot API error."""
    body: JSONDict = {"ok": False, "error_code": code, "description": description}
    if parameters:
        body["parameters"] = parameters
    return body


def check_text(plain: str) -> tuple[int, JSONDict] | None:
    """Telegram's refusals of a message's visible text."""
    if not plain.strip():
        return 400, error_body(400, "Bad Request: message text is empty")
    if len(plain) > MAX_TEXT:
        return 400, error_body(400, "Bad Request: message is too long")
    return None


def buttons_of(params: JSONDict) -> list[list[JSONDict]]:
    """The inline keyboard of a call's parameters (empty when there is none)."""
    markup = params.get("reply_markup") or {}
    buttons = markup.get("inline_keyboard", []) if isinstance(markup, dict) else []
    return list(buttons)


def check_buttons(params: JSONDict) -> tuple[int, JSONDict] | None:
    """Telegram's refusals of an inline keyboard: empty labels, callback data not 1-64 bytes."""
    for row in buttons_of(params):
        for b in row:
            if not str(b.get("text", "")).strip():
                return 400, error_body(400, "Bad Request: text buttons are unallowed")
            data = b.get("callback_data")
            if data is not None and not 1 <= len(str(data).encode()) <= MAX_CALLBACK_DATA:
                return 400, error_body(400, "Bad Request: BUTTON_DATA_INVALID")
    return None
