"""`chart`: a plotly chart (bars and lines) of the rows an excel_upload step read.

Each series is a column (`column: income`) or the difference/sum of two (`subtract:
[income, expenses]`, `add: [...]`). The output is chart data as JSON (x values, one list of
numbers per series) plus the same numbers as a table; the page draws it with plotly.js.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from workflows.steps.base import StepContext, StepFailed, StepType

NAME = {"type": "string", "pattern": "^[a-z][a-z0-9_]{0,62}$"}
PAIR = {"type": "array", "items": NAME, "minItems": 2, "maxItems": 2}


class ChartStep(StepType):
    type = "chart"
    waits_for_person = False
    config_schema = {
        "type": "object",
        "additionalProperties": False,
        "required": ["data", "x", "series"],
        "properties": {
            "data": NAME,
            "x": NAME,
            "title": {"type": "string"},
            "y_title": {"type": "string"},
            "currency": {
                "description": "The form field holding the amounts' currency (ISO code).",
                "type": "object",
                "additionalProperties": False,
                "required": ["step", "field"],
                "properties": {"step": NAME, "field": NAME},
            },
            "series": {
                "type": "array",
                "minItems": 1,
                "items": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["name"],
                    "oneOf": [
                        {"required": ["column"]},
                        {"required": ["subtract"]},
                        {"required": ["add"]},
                    ],
                    "properties": {
                        "name": {"type": "string", "minLength": 1},
                        "column": NAME,
                        "subtract": PAIR,
                        "add": PAIR,
                        "kind": {"enum": ["bar", "line"]},
                        "color": {"type": "string", "pattern": "^#[0-9a-fA-F]{6}$"},
                    },
                },
            },
        },
    }

    def check(self, step, definition) -> Iterator[tuple[str, str]]:
        source = definition.steps.get(step.config["data"])
        if source is None or source.type != "excel_upload":
            yield "data", f"'{step.config['data']}' is not an excel_upload step."
            return
        columns = {c["name"]: c["type"] for c in source.config["columns"]}
        if step.config["x"] not in columns:
            yield "x", f"step '{source.id}' has no column '{step.config['x']}'."
        for index, series in enumerate(step.config["series"]):
            for name in series_inputs(series):
                if name not in columns:
                    yield f"series[{index}]", f"step '{source.id}' has no column '{name}'."
                elif columns[name] not in ("amount", "number"):
                    yield f"series[{index}]", f"column '{name}' is not numeric."
        currency = step.config.get("currency")
        if currency:
            form = definition.steps.get(currency["step"])
            if (
                form is None
                or form.type != "form"
                or not any(
                    f["name"] == currency["field"] and f["type"] == "currency"
                    for f in form.config["fields"]
                )
            ):
                yield (
                    "currency",
                    (
                        f"step '{currency['step']}' has no currency field named "
                        f"'{currency['field']}'."
                    ),
                )

    def execute(self, context: StepContext) -> dict[str, Any]:
        config = context.step.config
        data = context.outputs.get(config["data"])
        if not data:
            raise StepFailed(f"Step '{config['data']}' has no output to chart.")
        rows = data["rows"]
        x = [row[config["x"]] for row in rows]
        series = []
        for spec in config["series"]:
            values = [_value(spec, row) for row in rows]
            series.append(
                {
                    "name": spec["name"],
                    "kind": spec.get("kind", "bar"),
                    "color": spec.get("color"),
                    "values": [float(value) for value in values],
                    "exact": [str(value) for value in values],
                }
            )
        return {
            "title": config.get("title") or context.step.title,
            "x_title": config["x"].replace("_", " ").capitalize(),
            "y_title": config.get("y_title", ""),
            "x": x,
            "series": series,
            "totals": {s["name"]: str(sum(Decimal(v) for v in s["exact"])) for s in series},
            "currency": _currency(config, context.outputs),
        }


def _currency(config: dict[str, Any], outputs: dict[str, dict[str, Any]]) -> str | None:
    reference = config.get("currency")
    if not reference:
        return None
    value = (outputs.get(reference["step"]) or {}).get(reference["field"])
    return value if isinstance(value, str) else None


def series_inputs(series: dict[str, Any]) -> list[str]:
    if "column" in series:
        return [series["column"]]
    return list(series.get("subtract") or series.get("add") or [])


def _value(spec: dict[str, Any], row: dict[str, Any]) -> Decimal:
    def number(name: str) -> Decimal:
        return Decimal(str(row.get(name) or 0))

    if "column" in spec:
        return number(spec["column"])
    if "subtract" in spec:
        first, second = spec["subtract"]
        return number(first) - number(second)
    first, second = spec["add"]
    return number(first) + number(second)
