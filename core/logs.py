"""Log formats: `plain` lines for people at a terminal, `json` lines for a log pipeline.

`LOG_FORMAT` (settings) chooses; production defaults to `json`. Both are stdlib formatters,
so every existing `logging` call is unchanged: the JSON one is structlog's
`ProcessorFormatter` rendering each standard record as one JSON object per line::

    {"timestamp": "2026-12-06T15:04:05.123456Z", "level": "info",
     "logger": "loans.services.polling", "event": "loan application polled",
     "request_id": "3f9c2a7b1d4e5f60", "application": "6f1c...", "status": "pending", ...}

Fields: `timestamp` (ISO 8601, UTC), `level`, `logger`, `event` (the message, formatted),
`request_id` (always: `core.request_id.RequestIdLogFilter`), every field given with
`extra=` (e.g. `application`, `task_id`, `task`), and `exception` (the traceback as text)
when there is one. Values JSON cannot hold are written as their `str()`.
"""

from __future__ import annotations

import logging
from typing import Any

import structlog

#: Attributes every LogRecord has (plus those formatters add): not "extra" fields.
_STANDARD = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "taskName"}
#: Extras never written: Django's `request` object (its repr holds the query string).
_DROPPED = frozenset({"request"})
#: Written as they are; anything else as its `str()`.
_KEPT: tuple[type, ...] = (str, int, float, bool, type(None), dict, list)
#: Written first, in this order; the rest follows as given.
_FIRST = ("timestamp", "level", "logger", "event", "request_id")


def extra_fields(record: logging.LogRecord) -> dict[str, Any]:
    """The record's `extra=` fields (and those the request id filter set)."""
    fields = {}
    for key, value in record.__dict__.items():
        if key in _STANDARD or key in _DROPPED or key.startswith("_"):
            continue
        fields[key] = value if isinstance(value, _KEPT) else str(value)
    return fields


def _add_extra_fields(logger: Any, method_name: str, event_dict: dict) -> dict:
    record: logging.LogRecord | None = event_dict.get("_record")
    if record is not None:
        for key, value in extra_fields(record).items():
            event_dict.setdefault(key, value)
    return event_dict


def _order_fields(logger: Any, method_name: str, event_dict: dict) -> dict:
    first = {key: event_dict.pop(key) for key in _FIRST if key in event_dict}
    return {**first, **event_dict}


_FOREIGN_PRE_CHAIN = [
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.processors.TimeStamper(fmt="iso", utc=True, key="timestamp"),
    _add_extra_fields,
]


class JsonFormatter(structlog.stdlib.ProcessorFormatter):
    """One JSON object per line (settings LOGGING formatter `json`)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("foreign_pre_chain", _FOREIGN_PRE_CHAIN)
        kwargs.setdefault(
            "processors",
            [
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.processors.format_exc_info,
                _order_fields,
                structlog.processors.JSONRenderer(),
            ],
        )
        super().__init__(*args, **kwargs)


#: Shown by the plain format itself (`[%(request_id)s]`) or implied by it: not repeated.
_PLAIN_SKIPPED = frozenset({"request_id", "task_id", "task", "data", "status_code"})


class PlainFormatter(logging.Formatter):
    """The plain line, followed by the record's `extra=` fields as ` key=value` (so a loan's
    "loan application polled" line names the application at a terminal too)."""

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        fields = {k: v for k, v in extra_fields(record).items() if k not in _PLAIN_SKIPPED}
        if not fields:
            return line
        first, newline, rest = line.partition("\n")  # fields before any traceback
        shown = " ".join(f"{key}={value}" for key, value in fields.items())
        return f"{first} {shown}{newline}{rest}"
