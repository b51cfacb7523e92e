"""DRF parsers (settings `DEFAULT_PARSER_CLASSES`) that check a whole body once, for every
API write: control characters in any key or text (400 naming the dotted path, e.g.
`items.1.name`), JSON nested deeper than `BOUNDARY_JSON_MAX_DEPTH` (400), integers no 64-bit
column can hold and numbers that overflow to infinity (400 on that path)."""

from __future__ import annotations

import math
from typing import Any

from django.conf import settings
from rest_framework import parsers
from rest_framework.exceptions import ParseError, ValidationError

from core.boundary.text import control_character_problem, control_characters_in, printable

INT64_MAX = 2**63 - 1


def _too_deep() -> ParseError:
    return ParseError(
        f"The JSON body is nested more than {settings.BOUNDARY_JSON_MAX_DEPTH} levels deep, "
        "more than any of our inputs needs."
    )


def _depth_exceeds(data: Any, limit: int) -> bool:
    stack = [(data, 0)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth + 1 > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


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
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:  # the decoder's own limit (~1,000 levels) came first
            raise _too_deep() from None
        if _depth_exceeds(data, settings.BOUNDARY_JSON_MAX_DEPTH):
            raise _too_deep()
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
