"""DRF parsers (settings `DEFAULT_PARSER_CLASSES`) that check a whole body once, for every
API write: control characters in any key or text (400 naming the dotted path, e.g.
`items.1.name`), JSON nested deeper than `BOUNDARY_JSON_MAX_DEPTH` (400), integers no 64-bit
column can hold and numbers that overflow to infinity (400 on that path)."""

from __future__ import annotations

import codecs
import json
import math
import re
from typing import Any

from django.conf import settings
from rest_framework import parsers
from rest_framework.exceptions import ParseError, ValidationError
from rest_framework.utils import json as drf_json

from core.boundary.text import control_character_problem, control_characters_in, printable

INT64_MAX = 2**63 - 1
# Fast paths over the raw JSON text, so a clean body (nearly all of them) is not walked in
# Python for what it cannot hold. A control character can only reach a JSON string as an
# escape (\u0000-\u001f, \b, \f: the decoder refuses raw C0) or as a raw DEL or C1
# character; a false alarm (an escaped backslash before "u0000") only costs the exact walk.
# Numbers are checked as the decoder reads them (its parse_int / parse_float hooks).
RAW_DEL_OR_C1 = re.compile(r"[\x7f-\x9f]")
CONTROL_ESCAPE = re.compile(r"\\u00(?:[01][0-9a-fA-F]|7[fF]|[89][0-9a-fA-F])|\\[bf]")
JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"')  # unrolled: no per-character alternation
NOT_A_BRACKET = re.compile(r"[^\[\]{}]+")
EMPTY_PAIR = re.compile(r"\[\]|\{\}")


def _maybe_control(text: str) -> bool:
    escaped = "\\" in text and CONTROL_ESCAPE.search(text) is not None
    return escaped or RAW_DEL_OR_C1.search(text) is not None


def _nesting_exceeds(text: str, limit: int) -> bool:
    """Whether valid JSON `text` nests deeper than `limit`, at regex speed: strings out,
    brackets only, then the innermost pairs removed once per level."""
    brackets = NOT_A_BRACKET.sub("", JSON_STRING.sub("", text))
    for _ in range(limit):
        if not brackets:
            return False
        brackets = EMPTY_PAIR.sub("", brackets)
    return bool(brackets)


def _too_deep() -> ParseError:
    return ParseError(
        f"The JSON body is nested more than {settings.BOUNDARY_JSON_MAX_DEPTH} levels deep, "
        "more than any of our inputs needs."
    )


def _number_problems(data: Any) -> dict[str, list[str]]:
    problems: dict[str, list[str]] = {}
    stack: list[tuple[str, Any]] = [("", data)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, bool):
            continue
        too_large = isinstance(value, int) and abs(value) > INT64_MAX
        if too_large or (isinstance(value, float) and not math.isfinite(value)):
            problems[path] = ["This number is too large."]
        elif isinstance(value, dict):
            stack.extend((f"{path}.{k}" if path else str(k), v) for k, v in value.items())
        elif isinstance(value, list):
            stack.extend((f"{path}.{i}" if path else str(i), v) for i, v in enumerate(value))
    return {printable(name): messages for name, messages in problems.items()}


def check_body(data: Any) -> None:
    """Raise the API's 400 for parsed input that crosses the boundary."""
    problems: dict[str, list[str]] = {}
    for path, message in control_characters_in(data):
        problems.setdefault(path, []).append(message)
    for path, messages in _number_problems(data).items():
        problems.setdefault(path, []).extend(messages)
    if problems:
        raise ValidationError(problems)


def _check_query_dict(data: Any, files: Any = None) -> None:
    """Form and multipart bodies: every key and value, and the names of uploaded files."""
    problems: dict[str, list[str]] = {}
    for key, values in data.lists():
        problem = control_character_problem([key, *values])
        if problem:
            problems[printable(key)] = [problem]
    for key, uploads in files.lists() if files is not None else ():
        problem = control_character_problem([key, *uploads])
        if problem:
            problems[printable(key)] = [problem]
    if problems:
        raise ValidationError(problems)


class JSONParser(parsers.JSONParser):
    """DRF's JSON parsing (same errors), with the boundary's checks; a clean body costs two
    regular-expression passes over its text, never a walk in Python."""

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = parsers.get_encoding(parser_context or {})
        try:
            text = codecs.decode(stream.read(), encoding)
        except ValueError as exc:
            raise ParseError(f"JSON parse error - {exc}") from None
        huge: list[bool] = []

        def parse_int(digits: str) -> int:
            value = int(digits)
            if abs(value) > INT64_MAX:
                huge.append(True)
            return value

        def parse_float(digits: str) -> float:
            value = float(digits)
            if not math.isfinite(value):
                huge.append(True)
            return value

        try:
            data = json.loads(
                text,
                parse_constant=drf_json.strict_constant if self.strict else None,
                parse_int=parse_int,
                parse_float=parse_float,
            )
        except RecursionError:  # the decoder's own limit (~1,000 levels) came first
            raise _too_deep() from None
        except ValueError as exc:
            raise ParseError(f"JSON parse error - {exc}") from None
        if _nesting_exceeds(text, settings.BOUNDARY_JSON_MAX_DEPTH):
            raise _too_deep()
        if huge or _maybe_control(text):
            check_body(data)
        return data


class FormParser(parsers.FormParser):
    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        _check_query_dict(data)
        return data


class MultiPartParser(parsers.MultiPartParser):
    def parse(self, stream, media_type=None, parser_context=None):
        parsed = super().parse(stream, media_type, parser_context)
        _check_query_dict(parsed.data, parsed.files)
        return parsed
