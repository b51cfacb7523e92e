"""Control characters: refused in every text input and query parameter.

Refused: C0 controls except tab, line feed and carriage return (U+0000-U+0008, U+000B,
U+000C, U+000E-U+001F), DEL (U+007F) and the C1 controls (U+0080-U+009F). NUL cannot be
stored by PostgreSQL at all; the others have no business in a name, a note or a search and
only hide text from the people who read it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
#: In HTTP headers, which WSGI hands over decoded as Latin-1 (so the bytes of a UTF-8 "…"
#: read as C1 characters): C0 controls but tab, and DEL, which no header may hold (RFC 9110).
HEADER_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
CONTROL_CHARACTER_CODE = "control_character"


def find_control_character(text: str) -> str | None:
    """The first refused control character of `text`, or None."""
    match = CONTROL_CHARACTERS.search(text)
    return match.group() if match else None


def control_character_message(character: str) -> str:
    return f"Remove the control character U+{ord(character):04X}: text may not contain any."


def control_character_problem(value: Any) -> str | None:
    """The message for a text (or a list of texts, as a multiple-choice input sends) holding
    a refused control character, or None. Anything else is not text and passes."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, list | tuple):
            stack.extend(item)
            continue
        name = getattr(item, "name", None)  # an uploaded file: its name is text too
        text = name if isinstance(name, str) else item
        if isinstance(text, str) and (found := find_control_character(text)):
            return control_character_message(found)
    return None


def printable(text: str) -> str:
    """`text` with each control character written as `\\uXXXX`, for field names built from
    a client's keys (a message must not carry the character it refuses)."""
    return CONTROL_CHARACTERS.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def control_characters_in(data: Any, prefix: str = "") -> Iterator[tuple[str, str]]:
    """(dotted path, message) for every key or text value of nested input holding a refused
    control character: `items.1.name`. Iterative, so any depth is safe to walk."""
    stack: list[tuple[str, Any]] = [(prefix, data)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, str):
            if found := find_control_character(value):
                yield path, control_character_message(found)
            continue
        if isinstance(value, dict):
            items = list(value.items())
        elif isinstance(value, list | tuple):
            items = list(enumerate(value))
        else:
            continue
        for key, item in reversed(items):
            name = f"{path}.{key}" if path else str(key)
            if isinstance(key, str) and (found := find_control_character(key)):
                yield printable(name), control_character_message(found)
                continue
            stack.append((name, item))
