"""Stage 2a: the cells of a file as grids (one per sheet), bounded, with no library words.

`.xlsx`: openpyxl in read-only mode, values only (a formula gives the value the spreadsheet
program saved with it), XML parsed through defusedxml (installed: openpyxl uses it on its own,
so entity tricks and billion-laughs files are refused). At most `WORKFLOWS_EXCEL_MAX_ROWS`
rows (plus one, to know there were more), `MAX_COLUMNS` columns and `MAX_SHEETS` sheets.

`.csv`: decoded as UTF-8 (with or without BOM), UTF-16 with a BOM, else Windows-1252; the
delimiter (`,` `;` tab `|`) is the one that splits the first lines into the same number of
fields. Every cell is text (the month and amount parsers read it).
"""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO, Any
from xml.etree.ElementTree import ParseError

from django.conf import settings

logger = logging.getLogger(__name__)

MAX_COLUMNS = 50  # columns read per row; a statement needs three (13 in the wide layout)
MAX_SHEETS = 20
DELIMITERS = (",", ";", "\t", "|")
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "vertical bar"}


class GridUnreadable(Exception):
    """The file cannot be turned into cells; `message` is the sentence people read."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


UNREADABLE = (
    "The workbook could not be read: it is damaged or was not saved by Excel as a workbook "
    "(.xlsx). Open it in Excel, save it again and upload it once more."
)
ENTITIES = (
    "The workbook could not be read: it contains XML entity declarations, which spreadsheet "
    "programs never write and which are refused for safety. Open it in Excel or LibreOffice, "
    "save it as a new workbook and upload that one."
)
NOT_WELL_FORMED = (
    "The workbook could not be read: part of it is not well-formed (for example a control "
    "character that spreadsheets do not allow in a cell). Open it in Excel or LibreOffice, "
    "save it again and upload it once more."
)


@dataclass
class Grid:
    """One sheet's cells: rows of values (None for blank) and, for .xlsx, each cell's type
    ('n', 's', 'd', 'b', 'e' for a formula error, 'f' for a formula without a saved value)."""

    name: str
    rows: list[list[Any]] = field(default_factory=list)
    types: list[list[str | None]] = field(default_factory=list)
    too_long: bool = False  # more rows than WORKFLOWS_EXCEL_MAX_ROWS
    csv_delimiter: str = ""


def _refusal(exc: BaseException) -> str:
    """The sentence for what a parser raised (the exception itself goes to the log)."""
    kinds: set[str] = set()
    chain: BaseException | None = exc
    for _ in range(10):  # openpyxl wraps the parser's exception in a ValueError
        if chain is None:
            break
        kinds |= {kind.__name__ for kind in type(chain).__mro__}
        chain = chain.__cause__ or chain.__context__
    if kinds & {"EntitiesForbidden", "DTDForbidden"}:
        return ENTITIES
    if kinds & {ParseError.__name__, "XMLSyntaxError", "ExpatError"}:
        return NOT_WELL_FORMED
    return UNREADABLE


def xlsx_grids(
    file: IO[bytes], *, only: str | None = None, enough: Callable[[Grid], bool] | None = None
) -> tuple[list[str], list[Grid]]:
    """The sheets' cells in order (or only the sheet named `only`), up to the first one that
    is `enough` (the one holding the statement: the sheets after it are not read), and every
    sheet's name."""
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(file, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged or hostile file
        logger.warning("workbook could not be opened", exc_info=True)
        raise GridUnreadable(_refusal(exc)) from exc
    try:
        names = list(workbook.sheetnames)
        grids = []
        for sheet in workbook.worksheets[:MAX_SHEETS]:
            if only is not None and sheet.title != only:
                continue
            if not hasattr(sheet, "iter_rows"):  # a chart sheet: no cells
                continue
            grids.append(_sheet_grid(sheet))
            if enough is not None and enough(grids[-1]):
                break
        return names, grids
    except Exception as exc:  # damaged sheet XML, entity attacks refused by defusedxml...
        logger.warning("workbook sheet could not be read", exc_info=True)
        raise GridUnreadable(_refusal(exc)) from exc
    finally:
        workbook.close()


def _sheet_grid(sheet: Any) -> Grid:
    grid = Grid(name=sheet.title)
    max_rows = settings.WORKFLOWS_EXCEL_MAX_ROWS
    for number, cells in enumerate(sheet.iter_rows(max_col=MAX_COLUMNS, values_only=False), 1):
        if number > max_rows:
            grid.too_long = True
            break
        grid.rows.append([getattr(cell, "value", None) for cell in cells])
        grid.types.append([getattr(cell, "data_type", None) for cell in cells])
    return grid


def formula_cells(file: IO[bytes], sheet_name: str, cells: set[tuple[int, int]]) -> list[str]:
    """Which of these (row, column) cells (1-based) hold a formula: read again with formulas
    (only when values are missing, so a good file is read once). Returns their formulas."""
    from openpyxl import load_workbook

    if not cells:
        return []
    file.seek(0)
    found = []
    last_row = max(row for row, _ in cells)
    try:
        workbook = load_workbook(file, read_only=True, data_only=False)
    except Exception:  # already read once: should not happen
        logger.warning("workbook could not be reopened for formulas", exc_info=True)
        return []
    try:
        sheet = workbook[sheet_name]
        for number, row in enumerate(sheet.iter_rows(max_row=last_row, max_col=MAX_COLUMNS), 1):
            for index, cell in enumerate(row, 1):
                value = getattr(cell, "value", None)
                if (number, index) in cells and isinstance(value, str) and value.startswith("="):
                    found.append(value)
    except Exception:
        logger.warning("workbook formulas could not be read", exc_info=True)
    finally:
        workbook.close()
    return found


def decode_text(content: bytes) -> str:
    if content.startswith(b"\xef\xbb\xbf"):
        return content[3:].decode("utf-8", errors="replace")
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        return content.decode("utf-16", errors="replace")
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        return content.decode("cp1252", errors="replace")


def detect_delimiter(lines: list[str]) -> str:
    """The delimiter that splits the first non-blank lines into the most, equal, fields."""
    sample = [line for line in lines if line.strip()][:20]
    best, best_score = ",", (-1, -1)
    for delimiter in DELIMITERS:
        counts = [len(row) for row in csv.reader(sample, delimiter=delimiter)]
        if not counts:
            continue
        widest = max(counts)
        if widest < 2:
            continue
        steady = sum(1 for count in counts if count == widest)
        score = (steady, widest)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def csv_grid(file: IO[bytes], name: str) -> Grid:
    content = file.read(settings.WORKFLOWS_UPLOAD_MAX_BYTES + 1)
    text = decode_text(content).replace("\x00", "")
    lines = text.splitlines()
    delimiter = detect_delimiter(lines[:50])
    grid = Grid(name=name, csv_delimiter=delimiter)
    max_rows = settings.WORKFLOWS_EXCEL_MAX_ROWS
    try:
        reader = csv.reader(io.StringIO(text), delimiter=delimiter)
        for number, row in enumerate(reader, 1):
            if number > max_rows:
                grid.too_long = True
                break
            cells = [value.strip() or None for value in row[:MAX_COLUMNS]]
            grid.rows.append(cells)
            grid.types.append(["s"] * len(cells))
    except csv.Error as exc:
        logger.warning("csv could not be read: %r", exc)
        raise GridUnreadable(
            f"'{name}' could not be read as CSV (a quote is not closed, line "
            f"{reader.line_num}); export the statement as CSV again."
        ) from exc
    return grid
