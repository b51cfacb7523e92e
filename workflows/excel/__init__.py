"""Read an uploaded statement (.xlsx or .csv) against a column spec, safely, reporting every
problem at once in sentences that name the cell, row, column or part of the file.

1. `container.check_container`: the bytes and the zip directory only (extension, size, "is
   it what it says", password, macros, zip bomb guards).
2. `grid`: the cells, bounded (openpyxl read-only, values only, defusedxml; or csv with the
   delimiter detected).
3. `layout`: the sheet whose headers match, the layout (a header row within the first rows,
   or months across a row), then every cell against the spec (`values`: months and amounts
   as people write them).

What the definition declares (columns with synonyms and sign rule, layouts, month languages,
formats) is `spec.TableSpec`; see docs/workflows.md, "How a statement is read".
"""

from __future__ import annotations

import datetime as dt
import io
from typing import IO, Any

from workflows.excel.container import UploadRejected, check_container
from workflows.excel.grid import (
    DELIMITER_NAMES,
    UNREADABLE,
    Grid,
    GridUnreadable,
    csv_grid,
    formula_cells,
    xlsx_grids,
)
from workflows.excel.layout import (
    MAX_ERRORS_SHOWN,
    Found,
    Miss,
    Table,
    column_letter,
    header_words,
    locate,
    read_grid,
)
from workflows.excel.spec import Column, TableSpec

__all__ = [
    "UNREADABLE",
    "Column",
    "Table",
    "TableSpec",
    "UploadRejected",
    "column_letter",
    "header_words",
    "last_months",
    "read_table",
    "read_upload",
    "template_workbook",
]

NO_FORMULA_VALUES = (
    "The formulas in this file have no saved results ({count} cells, e.g. {first}: {formula}); "
    "the program that wrote it did not compute them. Open the file in Excel or LibreOffice, "
    "save it, and upload it again."
)


def read_table(
    file: IO[bytes], spec: TableSpec, *, file_format: str = "xlsx", name: str = ""
) -> Table:
    """The statement in the file: its rows (converted), where it was found, and every error."""
    table = Table(file_format=file_format)
    try:
        if file_format == "csv":
            grids = [csv_grid(file, name or "the file")]
            table.sheets = []
        else:
            table.sheets, grids = xlsx_grids(
                file, only=spec.sheet, enough=lambda grid: isinstance(locate(grid, spec), Found)
            )
    except GridUnreadable as unreadable:
        table.errors.append(unreadable.message)
        return table
    if spec.sheet and not grids:
        table.errors.append(
            f"The workbook has no sheet named '{spec.sheet}' (sheets: {', '.join(table.sheets)})."
        )
        return table
    chosen = _choose(grids, spec, table)
    if chosen is None:
        return table
    grid, found = chosen
    table.sheet = grid.name if file_format == "xlsx" else ""
    if grid.too_long:
        from django.conf import settings

        table.errors.append(
            f"The sheet '{grid.name}' has more than {settings.WORKFLOWS_EXCEL_MAX_ROWS} rows; "
            f"expected a header row and {spec.describe_rows()} rows."
            if file_format == "xlsx"
            else f"The file has more than {settings.WORKFLOWS_EXCEL_MAX_ROWS} lines; "
            f"expected a header line and {spec.describe_rows()} lines."
        )
        return table
    if grid.csv_delimiter:
        table.notes.append(f"CSV separated by {DELIMITER_NAMES[grid.csv_delimiter]}s.")
    read_grid(grid, found, spec, table)
    if file_format == "xlsx" and table.formula_cells:
        _explain_missing_formula_values(file, grid.name, table)
    if len(table.errors) > MAX_ERRORS_SHOWN:
        hidden = len(table.errors) - MAX_ERRORS_SHOWN
        table.errors = [*table.errors[:MAX_ERRORS_SHOWN], f"... and {hidden} more errors."]
    return table


def _choose(grids: list[Grid], spec: TableSpec, table: Table) -> tuple[Grid, Found] | None:
    """The first sheet holding the statement; else one sentence on what was looked at."""
    misses: list[tuple[Grid, Miss]] = []
    for grid in grids:
        result = locate(grid, spec)
        if isinstance(result, Found):
            if grids and grid is not grids[0]:
                first = grids[0].name
                table.notes.append(
                    f"Read sheet '{grid.name}': the first sheet, '{first}', has no statement."
                )
            elif len(table.sheets) > 1:
                table.notes.append(f"Read sheet '{grid.name}' (the first of {len(table.sheets)}).")
            return grid, result
        misses.append((grid, result))
    expected = spec.expected_headers()
    several = len(grids) > 1
    sentences = []
    for grid, miss in misses:
        if not miss.message:
            what = (
                "the file is empty"
                if table.file_format == "csv"
                else f"the sheet '{grid.name}' is empty"
            )
            if not several:
                table.errors.append(
                    f"{what[0].upper()}{what[1:]}: expected a header row ({expected}) and "
                    f"{spec.describe_rows()} rows below it."
                )
                return None
            sentences.append(f"'{grid.name}' is empty")
            continue
        if not several:
            where = f"The sheet '{grid.name}': " if table.file_format == "xlsx" else ""
            sentence = miss.message if miss.message.startswith("Row") else f"{where}{miss.message}"
            table.errors.append(
                f"{sentence[0].upper()}{sentence[1:]}. Put a header row ({expected}) above the "
                "months, or the months across one row with the figures named on their left."
            )
            return None
        sentences.append(f"'{grid.name}': {miss.message[0].lower()}{miss.message[1:]}")
    table.errors.append(
        f"No sheet holds the statement; every sheet was read ({', '.join(sentences)}). "
        f"Put a header row ({expected}) above the months on one sheet."
    )
    return None


def _explain_missing_formula_values(file: IO[bytes], sheet: str, table: Table) -> None:
    formulas = formula_cells(file, sheet, table.formula_cells)
    if not formulas:
        return
    empty_cells = []
    kept = []
    for error in table.errors:
        if error.endswith(" is empty."):
            empty_cells.append(error.split(":", 1)[0])
        else:
            kept.append(error)
    table.errors = [
        NO_FORMULA_VALUES.format(
            count=len(formulas),
            first=empty_cells[0] if empty_cells else "",
            formula=formulas[0][:40],
        ),
        *[error for error in kept if not error.startswith("Expected")],
    ]


def read_upload(*, name: str, size: int, file: IO[bytes], spec: TableSpec) -> Table:
    """All stages on one file object (rewound as needed); UploadRejected for stage 1."""
    file.seek(0)
    head = file.read(4096)
    file.seek(0)
    file_format = check_container(name=name, size=size, head=head, file=file, formats=spec.formats)
    file.seek(0)
    return read_table(file, spec, file_format=file_format, name=name)


def template_workbook(spec: TableSpec, *, example_rows: list[list[Any]] | None = None) -> bytes:
    """A blank (or example-filled) workbook with the spec's header row, as .xlsx bytes."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = spec.sheet or "Statement"
    sheet.append([column.header for column in spec.columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in example_rows or []:
        sheet.append(row)
    for index, column in enumerate(spec.columns):
        sheet.column_dimensions[column_letter(index)].width = 14
        if column.type == "amount":
            for (cell,) in sheet.iter_rows(min_row=2, min_col=index + 1, max_col=index + 1):
                cell.number_format = "#,##0.00"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def last_months(today: dt.date, count: int) -> list[str]:
    """The `count` complete months before `today`'s month, oldest first, as YYYY-MM."""
    year, month = today.year, today.month
    months = []
    for _ in range(count):
        month -= 1
        if month == 0:
            year, month = year - 1, 12
        months.append(f"{year:04d}-{month:02d}")
    return list(reversed(months))
