"""`excel_upload`: read an uploaded statement (.xlsx or .csv) against a column spec
(automatic, in a worker).

The definition declares what the file may look like: each column's header and `synonyms`
(case- and accent-insensitive), its type, bounds and `sign` rule; the `layout` (`accept:
[rows, columns]`, `header_within`), the `month_languages` besides English, the `formats`.

The file comes from a file field of an earlier form step (`file: {step, field}`). The same
check runs when that form is submitted (the form field names this step in `excel_step`), so a
person sees every problem at once; the worker reads it again as the run's record.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import IO, Any

from workflows import excel
from workflows.steps.base import StepContext, StepFailed, StepType

NAME = {"type": "string", "pattern": "^[a-z][a-z0-9_]{0,62}$"}


class ExcelUploadStep(StepType):
    type = "excel_upload"
    waits_for_person = False
    config_schema = {
        "type": "object",
        "additionalProperties": False,
        "required": ["file", "columns"],
        "properties": {
            "file": {
                "type": "object",
                "additionalProperties": False,
                "required": ["step", "field"],
                "properties": {"step": NAME, "field": NAME},
            },
            "sheet": {"type": "string", "minLength": 1},
            "columns": {
                "type": "array",
                "minItems": 1,
                "maxItems": 50,
                "items": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["name", "type"],
                    "properties": {
                        "name": NAME,
                        "header": {"type": "string", "minLength": 1},
                        "type": {"enum": ["month", "amount", "number", "text"]},
                        "min": {"type": "number"},
                        "max": {"type": "number"},
                        "required": {"type": "boolean"},
                        "synonyms": {
                            "type": "array",
                            "maxItems": 50,
                            "items": {"type": "string", "minLength": 1, "maxLength": 80},
                        },
                        "sign": {"enum": ["as_written", "absolute"]},
                    },
                },
            },
            "rows": {
                "type": "object",
                "additionalProperties": False,
                "properties": {
                    "exactly": {"type": "integer", "minimum": 1},
                    "min": {"type": "integer", "minimum": 0},
                    "max": {"type": "integer", "minimum": 1},
                },
            },
            "consecutive": NAME,
            "layout": {
                "type": "object",
                "additionalProperties": False,
                "properties": {
                    "accept": {
                        "type": "array",
                        "minItems": 1,
                        "uniqueItems": True,
                        "items": {"enum": list(excel.spec.LAYOUTS)},
                    },
                    "header_within": {"type": "integer", "minimum": 1, "maximum": 50},
                },
            },
            "month_languages": {
                "type": "array",
                "uniqueItems": True,
                "items": {"type": "string", "pattern": "^[a-z]{2,3}(_[A-Z]{2})?$"},
            },
            "formats": {
                "type": "array",
                "minItems": 1,
                "uniqueItems": True,
                "items": {"enum": list(excel.spec.FORMATS)},
            },
        },
    }

    def check(self, step, definition) -> Iterator[tuple[str, str]]:
        source = definition.steps.get(step.config["file"]["step"])
        field_name = step.config["file"]["field"]
        if source is None:
            yield "file.step", f"no step with id '{step.config['file']['step']}'."
        elif source.type != "form" or not any(
            f["name"] == field_name and f["type"] == "file" for f in source.config["fields"]
        ):
            yield "file.field", f"step '{source.id}' has no file field named '{field_name}'."
        columns = step.config["columns"]
        names = [column["name"] for column in columns]
        for index, name in enumerate(names):
            if names.index(name) != index:
                yield f"columns[{index}].name", f"'{name}' is used by more than one column."
        owners: dict[str, int] = {}
        for index, column in enumerate(columns):
            for key in sorted(excel.Column.from_config(column).keys):
                if owners.setdefault(key, index) != index:
                    yield (
                        f"columns[{index}]",
                        f"the header '{key}' names more than one column "
                        f"(also columns[{owners[key]}]).",
                    )
        for index, language in enumerate(step.config.get("month_languages", [])):
            if not _known_language(language):
                yield f"month_languages[{index}]", f"'{language}' is not a language Babel knows."
        if "columns" in step.config.get("layout", {}).get("accept", ["columns"]) and not any(
            column["type"] == "month" for column in columns
        ):
            yield "layout.accept", "the 'columns' layout needs a month column."
        consecutive = step.config.get("consecutive")
        if consecutive and not any(
            c["name"] == consecutive and c["type"] == "month" for c in columns
        ):
            yield "consecutive", f"'{consecutive}' is not a month column of this step."
        rows = step.config.get("rows", {})
        if "exactly" in rows and ("min" in rows or "max" in rows):
            yield "rows", "give either exactly, or min and/or max."
        if rows.get("min", 0) > rows.get("max", rows.get("min", 0)):
            yield "rows", "min is greater than max."

    def spec(self, step) -> excel.TableSpec:
        return excel.TableSpec.from_config(step.config)

    def check_upload(self, step, *, name: str, size: int, file: IO[bytes]) -> list[str]:
        try:
            table = excel.read_upload(name=name, size=size, file=file, spec=self.spec(step))
        except excel.UploadRejected as rejected:
            return [rejected.message]
        return table.errors

    def execute(self, context: StepContext) -> dict[str, Any]:
        reference = context.step.config["file"]
        submitted = (context.outputs.get(reference["step"]) or {}).get(reference["field"])
        if not submitted:
            raise StepFailed(f"No file was submitted in {reference['step']}.{reference['field']}.")
        name, size, file = context.open_upload(submitted["upload"])
        with file:
            try:
                table = excel.read_upload(
                    name=name, size=size, file=file, spec=self.spec(context.step)
                )
            except excel.UploadRejected as rejected:
                raise StepFailed(rejected.message, [rejected.message]) from rejected
        if table.errors:
            count = len(table.errors)
            raise StepFailed(
                f"'{name}' could not be read: {count} problem{'s' if count > 1 else ''}.",
                table.errors,
            )
        return summary(self.spec(context.step), table, name)

    def read(self, step, *, name: str, size: int, file: IO[bytes]) -> excel.Table:
        """The file read against the step's spec (for the preview); UploadRejected for the
        container's refusals."""
        return excel.read_upload(name=name, size=size, file=file, spec=self.spec(step))


def _known_language(language: str) -> bool:
    from babel import Locale, UnknownLocaleError

    try:
        Locale.parse(language)
    except (UnknownLocaleError, ValueError):
        return False
    return True


def summary(spec: excel.TableSpec, table: excel.Table, name: str) -> dict[str, Any]:
    """The step's output: the rows read (with the cell each value came from), the totals, and
    where the statement was found (sheet, layout, rows skipped and why)."""
    numeric = [c.name for c in spec.columns if c.type in ("amount", "number")]
    rows = [
        {
            "row": record["_row"],
            **{c.name: _json(record.get(c.name)) for c in spec.columns},
            "cells": record["_cells"],
        }
        for record in table.rows
    ]
    totals = {
        column: str(
            sum(
                (record[column] for record in table.rows if record.get(column) is not None),
                Decimal("0"),
            )
        )
        for column in numeric
    }
    return {"file": name, "sheet": table.sheet, "count": len(rows), "rows": rows,
            "totals": totals, "format": table.file_format, "layout": table.layout,
            "skipped": table.skipped, "notes": table.notes}  # fmt: skip


def _json(value: Any) -> Any:
    return str(value) if isinstance(value, Decimal) else value
