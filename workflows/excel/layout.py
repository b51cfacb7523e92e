"""Stage 2b: find the statement in a sheet's cells and read it against the spec.

Two layouts, tried in the order the definition lists them (`layout.accept`):

- `rows`: a header row naming every column (synonyms allowed), found within the first
  `header_within` non-blank rows (title lines, notes and blank lines above it are skipped),
  then one row per record;
- `columns` (the "wide" layout): a row of months across the top, and one row per measure
  below it, named in a column on the left ("Income", "Expenses"...).

Every error names its cell; rows that are not records (blank, a total, a note, a measure the
spec does not ask for) are skipped and said.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from workflows.excel.grid import Grid
from workflows.excel.spec import Column, TableSpec, header_key
from workflows.excel.values import (
    DateRefused,
    ValueRefused,
    fold,
    hints_decimal_comma,
    looks_like_month,
    parse_amount,
    parse_month,
)

EXCEL_ERRORS = {"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA"}
TOTAL_WORDS = {"total", "totals", "sum", "somme", "total general", "grand total", "ytd", "year"}
CENT = Decimal("0.01")
MAX_ERRORS_SHOWN = 50
MAX_REPEATS_LISTED = 3  # more rows repeating a month: a list of transactions, said once


def column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def cell_name(row: int, column: int) -> str:
    """(row 0-based, column 0-based) -> 'B7'."""
    return f"{column_letter(column)}{row + 1}"


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def shown(value: Any) -> str:
    if isinstance(value, str):
        text = value if len(value) <= 40 else value[:37] + "..."
        text = "".join(char if char.isprintable() else "?" for char in text)
        return repr(text)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, float) and abs(value) >= 1e15:
        return f"{value:.3g}"
    return str(value)


@dataclass
class Found:
    """Where the statement is in a grid: its layout and where each column's values are."""

    layout: str  # rows | columns
    at: int  # the header row, or the row of months (0-based)
    positions: dict[str, int]  # rows: column index of each column; columns: row index of each
    month_columns: list[int] = field(default_factory=list)  # columns layout: where the months are

    def describe(self) -> str:
        if self.layout == "rows":
            return f"one row per month, headers in row {self.at + 1}"
        return f"months across row {self.at + 1}, one row per figure"


@dataclass
class Miss:
    """The closest a grid came to holding the statement, said as a sentence."""

    score: int
    message: str


@dataclass
class Table:
    rows: list[dict[str, Any]] = field(default_factory=list)  # each with "_row" and "_cells"
    errors: list[str] = field(default_factory=list)
    sheet: str = ""
    sheets: list[str] = field(default_factory=list)
    layout: str = ""  # said to people: "one row per month, headers in row 3"
    skipped: list[str] = field(default_factory=list)  # "Row 14 ('Total'): a total row."
    notes: list[str] = field(default_factory=list)  # the sheet chosen, the CSV delimiter...
    file_format: str = "xlsx"
    formula_cells: set[tuple[int, int]] = field(default_factory=set)  # empty (row, col), 1-based


def _nonblank_rows(grid: Grid, limit: int) -> list[int]:
    found = []
    for index, row in enumerate(grid.rows):
        if any(not is_blank(value) for value in row):
            found.append(index)
            if len(found) >= limit:
                break
    return found


def locate(grid: Grid, spec: TableSpec) -> Found | Miss:
    candidates = _nonblank_rows(grid, spec.header_within)
    if not candidates:
        return Miss(0, "")
    misses: list[Miss] = []
    for layout in spec.layouts:
        finder = _find_rows if layout == "rows" else _find_columns
        result = finder(grid, spec, candidates)
        if isinstance(result, Found):
            return result
        misses.append(result)
    return max(misses, key=lambda miss: miss.score)


def _find_rows(grid: Grid, spec: TableSpec, candidates: list[int]) -> Found | Miss:
    best: tuple[int, int, dict[str, int]] | None = None
    for index in candidates:
        row = grid.rows[index]
        positions: dict[str, int] = {}
        for column in spec.columns:
            for position, value in enumerate(row):
                if column.matches(value):
                    positions.setdefault(column.name, position)
                    break
        if all(c.name in positions or not c.required for c in spec.columns):
            return Found("rows", index, positions)
        if best is None or len(positions) > best[1]:
            best = (index, len(positions), positions)
    index, score, positions = best or (candidates[0], 0, {})
    if score == 0:
        return Miss(
            0,
            f"no header row with {spec.expected_headers()} in its first {spec.header_within} "
            "non-blank rows",
        )
    missing = [column.header for column in spec.columns if column.name not in positions]
    row = grid.rows[index]
    seen = ", ".join(str(value).strip() for value in row if not is_blank(value)) or "nothing"
    names = ", ".join(f"'{header}'" for header in missing)
    return Miss(
        score,
        f"Row {index + 1} (the header row): missing column{'s' if len(missing) > 1 else ''} "
        f"{names}; found {seen}. Expected headers: {spec.expected_headers()}",
    )


def _find_columns(grid: Grid, spec: TableSpec, candidates: list[int]) -> Found | Miss:
    month = spec.month_column
    if month is None:
        return Miss(0, "")
    languages = spec.month_languages
    measures = [column for column in spec.columns if column is not month]
    best = Miss(0, "")
    for index in candidates:
        row = grid.rows[index]
        months = [
            position for position, value in enumerate(row) if looks_like_month(value, languages)
        ]
        if len(months) < 2:
            continue
        left = min(months)
        positions: dict[str, int] = {}
        for other, cells in enumerate(grid.rows):
            if other == index:
                continue
            labels = [value for value in cells[:left] if not is_blank(value)]
            if not labels:
                continue
            for column in measures:
                if column.name not in positions and column.matches(labels[0]):
                    positions[column.name] = other
        if all(c.name in positions or not c.required for c in measures):
            return Found("columns", index, positions, months)
        missing = [c.header for c in measures if c.name not in positions]
        if len(positions) + 1 > best.score:
            best = Miss(
                len(positions) + 1,
                f"Row {index + 1} has months across it, but no row is named "
                + " or ".join(f"'{header}'" for header in missing)
                + " in the columns on its left",
            )
    return best


def read_grid(grid: Grid, found: Found, spec: TableSpec, table: Table) -> None:
    """Records from the grid where `locate` found them, converted and checked."""
    table.layout = found.describe()
    decimal_comma = _decimal_comma(grid, found, spec)
    if found.layout == "rows":
        _read_rows(grid, found, spec, table, decimal_comma)
    else:
        _read_columns(grid, found, spec, table, decimal_comma)
    _check_rows(spec, table)


def _amount_texts(grid: Grid, found: Found, spec: TableSpec) -> list[str]:
    texts = []
    numeric = [c for c in spec.columns if c.type in ("amount", "number")]
    if found.layout == "rows":
        for row in grid.rows[found.at + 1 :]:
            for column in numeric:
                position = found.positions.get(column.name)
                if position is not None and position < len(row) and isinstance(row[position], str):
                    texts.append(row[position])
    else:
        for column in numeric:
            at = found.positions.get(column.name)
            if at is None:
                continue
            row = grid.rows[at]
            texts += [
                row[j] for j in found.month_columns if j < len(row) and isinstance(row[j], str)
            ]
    return texts


def _decimal_comma(grid: Grid, found: Found, spec: TableSpec) -> bool:
    if grid.csv_delimiter == ",":
        return False  # a decimal comma would be quoted; rare, and the values say so anyway
    return hints_decimal_comma(_amount_texts(grid, found, spec))


def _is_total(value: Any) -> bool:
    return isinstance(value, str) and fold(value).rstrip(":") in TOTAL_WORDS


def _read_rows(grid: Grid, found: Found, spec: TableSpec, table: Table, comma: bool) -> None:
    above = _nonblank_rows(grid, spec.header_within)
    above = [index for index in above if index < found.at]
    if above:
        rows = (
            f"row {above[0] + 1}" if len(above) == 1 else f"rows {above[0] + 1} to {above[-1] + 1}"
        )
        table.skipped.append(f"{rows.capitalize()}, above the headers: a title or notes.")
    month = spec.month_column
    used = set(found.positions.values())
    header = grid.rows[found.at]
    ignored = [
        f"{column_letter(position)} ('{str(value).strip()[:40]}')"
        for position, value in enumerate(header)
        if position not in used and not is_blank(value)
    ]
    if ignored:
        table.skipped.append(f"Columns ignored: {', '.join(ignored)}.")
    blank = 0
    for index in range(found.at + 1, len(grid.rows)):
        row = grid.rows[index]
        if all(is_blank(value) for value in row):
            blank += 1
            continue
        values = {
            name: (row[position] if position < len(row) else None)
            for name, position in found.positions.items()
        }
        types = {
            name: (grid.types[index][position] if position < len(grid.types[index]) else None)
            for name, position in found.positions.items()
        }
        label = values.get(month.name) if month else None
        others = [v for name, v in values.items() if month is None or name != month.name]
        if month is not None and _is_total(label):
            table.skipped.append(f"Row {index + 1} ('{str(label).strip()}'): a total, not a month.")
            continue
        if all(is_blank(value) for value in values.values()):
            text = next((str(v).strip() for v in row if not is_blank(v)), "")
            table.skipped.append(
                f"Row {index + 1} ('{text[:40]}'): nothing in the statement's columns."
            )
            continue
        if (
            month is not None
            and isinstance(label, str)
            and all(is_blank(v) for v in others)
            and not looks_like_month(label, spec.month_languages)
        ):
            table.skipped.append(f"Row {index + 1} ('{label.strip()[:40]}'): a note, no figures.")
            continue
        cells = {name: (index, position) for name, position in found.positions.items()}
        _record(values, types, cells, spec, index + 1, table, comma)
    if blank:
        table.skipped.append(f"{blank} blank row{'s' if blank > 1 else ''}.")


def _read_columns(grid: Grid, found: Found, spec: TableSpec, table: Table, comma: bool) -> None:
    month = spec.month_column
    if month is None:  # pragma: no cover - locate only finds this layout with a month column
        return
    used = {found.at, *found.positions.values()}
    left = min(found.month_columns)
    for index, row in enumerate(grid.rows):
        if index in used or all(is_blank(value) for value in row):
            continue
        label = next((value for value in row[:left] if not is_blank(value)), None)
        if label is None:
            label = next(value for value in row if not is_blank(value))
        table.skipped.append(
            f"Row {index + 1} ('{str(label).strip()[:40]}'): not one of "
            f"{', '.join(c.header for c in spec.columns if c is not month)}."
        )
    month_row = grid.rows[found.at]
    for position in found.month_columns:
        values: dict[str, Any] = {month.name: month_row[position]}
        types: dict[str, Any] = {month.name: grid.types[found.at][position]}
        cells = {month.name: (found.at, position)}
        for name, at in found.positions.items():
            row = grid.rows[at]
            values[name] = row[position] if position < len(row) else None
            types[name] = grid.types[at][position] if position < len(grid.types[at]) else None
            cells[name] = (at, position)
        _record(values, types, cells, spec, found.at + 1, table, comma)


def _convert(column: Column, value: Any, spec: TableSpec, comma: bool) -> Any:
    if column.type == "month":
        try:
            return parse_month(value, spec.month_languages)
        except DateRefused:
            raise
        except ValueRefused:
            raise ValueRefused("must be a month such as 2025-01, 01/2025 or Jan 2025") from None
    if column.type == "text":
        return str(value).strip()
    number = parse_amount(value, decimal_comma=comma)
    if column.sign == "absolute":
        number = number.copy_abs()
    if column.min is not None and number < column.min:
        raise ValueRefused(
            "must not be negative" if column.min == 0 else f"must be at least {column.min}"
        )
    if column.max is not None and number > column.max:
        raise ValueRefused(f"must be at most {column.max}")
    if column.type == "amount":
        return number.quantize(CENT, rounding=ROUND_HALF_UP)
    return number


def _record(
    values: dict[str, Any],
    types: dict[str, Any],
    cells: dict[str, tuple[int, int]],
    spec: TableSpec,
    row_number: int,
    table: Table,
    comma: bool,
) -> None:
    record: dict[str, Any] = {"_row": row_number, "_cells": {}}
    for column in spec.columns:
        if column.name not in cells:
            record[column.name] = None
            continue
        row, position = cells[column.name]
        cell = cell_name(row, position)
        record["_cells"][column.name] = cell
        value = values.get(column.name)
        if types.get(column.name) == "e" or (
            isinstance(value, str) and value.strip() in EXCEL_ERRORS
        ):
            table.errors.append(
                f"{cell}: {column.header} is the formula error {str(value).strip()}; "
                "fix the formula or type the value."
            )
            continue
        if is_blank(value):
            if column.required:
                table.errors.append(f"{cell}: {column.header} is empty.")
                table.formula_cells.add((row + 1, position + 1))
            record[column.name] = None
            continue
        try:
            record[column.name] = _convert(column, value, spec, comma)
        except ValueRefused as refused:
            table.errors.append(f"{cell}: {column.header} {refused}, got {shown(value)}.")
    table.rows.append(record)


def _check_rows(spec: TableSpec, table: Table) -> None:
    count = len(table.rows)
    what = (spec.consecutive and "months") or "rows"
    if spec.exactly is not None and count != spec.exactly:
        table.errors.append(f"Expected exactly {spec.exactly} {what}, found {count}.")
    if spec.min_rows is not None and count < spec.min_rows:
        table.errors.append(f"Expected at least {spec.min_rows} {what}, found {count}.")
    if spec.max_rows is not None and count > spec.max_rows:
        table.errors.append(f"Expected at most {spec.max_rows} {what}, found {count}.")
    if spec.consecutive:
        _check_consecutive(spec.consecutive, table)


def _check_consecutive(name: str, table: Table) -> None:
    seen: dict[str, str] = {}
    repeated: list[str] = []
    for record in table.rows:
        month = record.get(name)
        if not isinstance(month, str):  # empty or not a month: already reported
            continue
        cell = record["_cells"].get(name, "")
        if month in seen:
            repeated.append(f"{cell}: month {month} appears twice (also in {seen[month]}).")
        else:
            seen[month] = cell
    if len(repeated) > MAX_REPEATS_LISTED:
        first = repeated[0].removesuffix(".")
        table.errors.append(
            f"{len(repeated)} rows repeat a month (the first, {first}): this looks like a list "
            "of transactions; the statement needs one row per month with that month's totals."
        )
    else:
        table.errors += repeated
    if any(not isinstance(record.get(name), str) for record in table.rows):
        # A month that could not be read may be the "missing" one: no gap is reported.
        return
    months = sorted(seen)
    for earlier, later in itertools.pairwise(months):
        expected = next_month(earlier)
        if later != expected:
            missing = [expected]
            while next_month(missing[-1]) < later and len(missing) < 24:
                missing.append(next_month(missing[-1]))
            gap = missing[0] if len(missing) == 1 else f"{missing[0]} to {missing[-1]}"
            table.errors.append(
                f"The months must be consecutive: {gap} missing between {earlier} "
                f"({seen[earlier]}) and {later} ({seen[later]})."
            )
    table.rows.sort(key=lambda record: (record.get(name) or "", record["_row"]))


def next_month(month: str) -> str:
    year, number = int(month[:4]), int(month[5:])
    return f"{year + number // 12:04d}-{number % 12 + 1:02d}"


def header_words(spec: TableSpec) -> str:
    """'month, income (or revenue, earnings...), expenses (or ...)' for the layout help."""
    parts = []
    for column in spec.columns:
        extra = [s for s in column.synonyms if header_key(s) != header_key(column.header)][:4]
        parts.append(f"{column.header} (or {', '.join(extra)}...)" if extra else column.header)
    return ", ".join(parts)
