"""Read an uploaded .xlsx against a column spec, safely, reporting every problem at once.

Two stages:

1. `check_xlsx_container` looks at the bytes and the zip directory only: extension, size,
   "is it a zip with the OOXML parts" (a renamed CSV or .xls is named as such), and the zip
   bomb guards (total uncompressed size, compression ratio, number of parts). Python's
   zipfile never inflates a part beyond the size its directory declares (it stops and fails
   the CRC check), so the declared sizes bound what openpyxl can ever decompress.
2. `read_table` opens the workbook with openpyxl in read-only mode, values only (formulas
   give the value Excel computed), XML parsed through defusedxml (installed: openpyxl uses it
   on its own), and checks every cell against the spec. Each error names the cell.
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
import logging
import re
import zipfile
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import IO, Any

from django.conf import settings

logger = logging.getLogger(__name__)
#: What people read when openpyxl cannot open a workbook; the exception goes to the log.
UNREADABLE = (
    "The workbook could not be read: it is damaged or was not saved by Excel as a workbook "
    "(.xlsx). Open it in Excel, save it again and upload it once more."
)

OOXML_PARTS = ("[Content_Types].xml", "xl/workbook.xml")
MONTH_TEXT = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls (Excel 97-2003) and other OLE files
EXCEL_ERRORS = {"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA"}
MAX_COLUMNS = 50  # columns read per row; a statement needs three
MAX_ERRORS_SHOWN = 50
CENT = Decimal("0.01")


class UploadRejected(Exception):
    """The file is not something we will open (not an xlsx, too big, a zip bomb...)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Column:
    name: str
    header: str
    type: str  # month | amount | number | text
    min: Decimal | None = None
    max: Decimal | None = None
    required: bool = True

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Column:
        def bound(key: str) -> Decimal | None:
            return Decimal(str(config[key])) if config.get(key) is not None else None

        return cls(
            name=config["name"],
            header=str(config.get("header", config["name"])),
            type=config["type"],
            min=bound("min"),
            max=bound("max"),
            required=config.get("required", True),
        )


@dataclass(frozen=True)
class TableSpec:
    columns: tuple[Column, ...]
    exactly: int | None = None
    min_rows: int | None = None
    max_rows: int | None = None
    consecutive: str | None = None  # a month column whose values must follow each other
    sheet: str | None = None

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> TableSpec:
        rows = config.get("rows", {})
        return cls(
            columns=tuple(Column.from_config(column) for column in config["columns"]),
            exactly=rows.get("exactly"),
            min_rows=rows.get("min"),
            max_rows=rows.get("max"),
            consecutive=config.get("consecutive"),
            sheet=config.get("sheet"),
        )

    def describe_rows(self) -> str:
        if self.exactly is not None:
            return f"exactly {self.exactly}"
        if self.min_rows is not None and self.max_rows is not None:
            return f"{self.min_rows} to {self.max_rows}"
        if self.min_rows is not None:
            return f"at least {self.min_rows}"
        if self.max_rows is not None:
            return f"at most {self.max_rows}"
        return "any number of"


@dataclass
class Table:
    rows: list[dict[str, Any]] = field(default_factory=list)  # each with "_row": sheet row
    errors: list[str] = field(default_factory=list)
    sheet: str = ""


# --- stage 1: the container -----------------------------------------------------------------


def _human(size: float) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:.0f} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size} GiB"  # pragma: no cover


def check_xlsx_container(*, name: str, size: int, head: bytes, file: IO[bytes]) -> None:
    """Refuse anything but a genuine, reasonably sized .xlsx; raises UploadRejected."""
    if not name.lower().endswith(".xlsx"):
        extension = name.rsplit(".", 1)[-1] if "." in name else "no extension"
        raise UploadRejected(
            f"Only Excel workbooks (.xlsx) are accepted; '{name}' is a .{extension} file."
            if "." in name
            else f"Only Excel workbooks (.xlsx) are accepted; '{name}' has no extension."
        )
    limit = settings.WORKFLOWS_UPLOAD_MAX_BYTES
    if size > limit:
        raise UploadRejected(f"'{name}' is {_human(size)}; the limit is {_human(limit)}.")
    if size == 0:
        raise UploadRejected(f"'{name}' is empty (0 bytes).")
    if not head.startswith(b"PK"):
        if head.startswith(OLE_MAGIC):
            raise UploadRejected(
                f"'{name}' is an old-format Excel file (.xls, Excel 97-2003) renamed to .xlsx; "
                "open it in Excel and save it as 'Excel Workbook (.xlsx)'."
            )
        if _looks_like_text(head):
            raise UploadRejected(
                f"'{name}' is a text or CSV file renamed to .xlsx, not an Excel workbook; "
                "open it in Excel and save it as 'Excel Workbook (.xlsx)'."
            )
        raise UploadRejected(f"'{name}' is not an Excel workbook (.xlsx): it is not a zip file.")
    try:
        archive = zipfile.ZipFile(file)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        logger.warning("upload %r: damaged zip: %r", name, exc)
        raise UploadRejected(f"'{name}' is not a valid .xlsx: the zip is damaged.") from exc
    with archive:
        infos = archive.infolist()
        names = {info.filename for info in infos}
        missing = [part for part in OOXML_PARTS if part not in names]
        if missing:
            raise UploadRejected(
                f"'{name}' is a zip file but not an Excel workbook: it has no {missing[0]}."
            )
        if len(infos) > settings.WORKFLOWS_XLSX_MAX_PARTS:
            raise UploadRejected(
                f"'{name}' has {len(infos)} parts in its zip; the limit is "
                f"{settings.WORKFLOWS_XLSX_MAX_PARTS} (refused as a possible zip bomb)."
            )
        uncompressed = sum(info.file_size for info in infos)
        compressed = sum(info.compress_size for info in infos) or 1
        max_uncompressed = settings.WORKFLOWS_XLSX_MAX_UNCOMPRESSED_BYTES
        if uncompressed > max_uncompressed:
            raise UploadRejected(
                f"'{name}' expands to {_human(uncompressed)} when unzipped; the limit is "
                f"{_human(max_uncompressed)} (refused as a possible zip bomb)."
            )
        ratio = uncompressed / compressed
        # Small workbooks can compress well; the ratio only matters once there is bulk.
        if uncompressed > 1024 * 1024 and ratio > settings.WORKFLOWS_XLSX_MAX_COMPRESSION_RATIO:
            raise UploadRejected(
                f"'{name}' is compressed {ratio:.0f} to 1; the limit is "
                f"{settings.WORKFLOWS_XLSX_MAX_COMPRESSION_RATIO} to 1 "
                "(refused as a possible zip bomb)."
            )


def _looks_like_text(head: bytes) -> bool:
    sample = head[:2048]
    if not sample or b"\x00" in sample:
        return False
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError:
        try:
            sample.decode("latin-1")
        except UnicodeDecodeError:  # pragma: no cover - latin-1 decodes anything
            return False
    return True


# --- stage 2: the cells ---------------------------------------------------------------------


def column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _shown(value: Any) -> str:
    if isinstance(value, str):
        text = value if len(value) <= 40 else value[:37] + "..."
        return repr(text)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value)


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _month(value: Any) -> str:
    if isinstance(value, dt.datetime | dt.date):
        return f"{value.year:04d}-{value.month:02d}"
    if isinstance(value, str):
        match = MONTH_TEXT.match(value.strip())
        if match:
            return f"{match[1]}-{match[2]}"
    raise ValueError("must be a date or YYYY-MM text")


def _number(value: Any) -> Decimal:
    if isinstance(value, bool):
        raise ValueError("must be a number")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, str):
        try:
            number = Decimal(value.strip().replace(" ", ""))
        except InvalidOperation:
            raise ValueError("must be a number") from None
        if number.is_finite():
            return number
    raise ValueError("must be a number")


def _convert(column: Column, value: Any) -> Any:
    if column.type == "month":
        return _month(value)
    if column.type == "text":
        return str(value).strip()
    number = _number(value)
    if column.min is not None and number < column.min:
        raise ValueError(
            "must not be negative" if column.min == 0 else f"must be at least {column.min}"
        )
    if column.max is not None and number > column.max:
        raise ValueError(f"must be at most {column.max}")
    if column.type == "amount":
        return number.quantize(CENT, rounding=ROUND_HALF_UP)
    return number


def read_table(file: IO[bytes], spec: TableSpec) -> Table:
    """Parse the first (or the named) sheet: a header row, then one row per record.

    Blank rows are skipped wherever they are; columns are found by their header (any order,
    case-insensitive; extra columns are ignored). Returns the rows and every error found.
    """
    from openpyxl import load_workbook

    table = Table()
    try:
        workbook = load_workbook(file, read_only=True, data_only=True)
    except Exception:  # openpyxl raises many types for a damaged or hostile file
        logger.warning("workbook could not be opened", exc_info=True)
        table.errors.append(UNREADABLE)
        return table
    try:
        if spec.sheet:
            if spec.sheet not in workbook.sheetnames:
                table.errors.append(
                    f"The workbook has no sheet named '{spec.sheet}' "
                    f"(sheets: {', '.join(workbook.sheetnames)})."
                )
                return table
            sheet = workbook[spec.sheet]
        else:
            sheet = workbook.worksheets[0]
        table.sheet = sheet.title
        _read_sheet(sheet, spec, table)
    except Exception:  # damaged sheet XML, entity attacks refused by defusedxml...
        logger.warning("workbook sheet could not be read", exc_info=True)
        table.rows = []
        table.errors.append(UNREADABLE)
    finally:
        workbook.close()
    if len(table.errors) > MAX_ERRORS_SHOWN:
        hidden = len(table.errors) - MAX_ERRORS_SHOWN
        table.errors = [*table.errors[:MAX_ERRORS_SHOWN], f"... and {hidden} more errors."]
    return table


def _read_sheet(sheet: Any, spec: TableSpec, table: Table) -> None:
    expected_headers = ", ".join(column.header for column in spec.columns)
    header_row = None
    positions: dict[str, int] = {}
    max_rows = settings.WORKFLOWS_EXCEL_MAX_ROWS
    for row_number, cells in enumerate(sheet.iter_rows(max_col=MAX_COLUMNS), start=1):
        if row_number > max_rows:
            table.errors.append(
                f"The sheet '{sheet.title}' has more than {max_rows} rows; "
                f"expected a header row and {spec.describe_rows()} rows."
            )
            table.rows = []
            return
        values = [getattr(cell, "value", None) for cell in cells]
        types = [getattr(cell, "data_type", None) for cell in cells]
        if all(_is_blank(value) for value in values):
            continue
        if header_row is None:
            header_row = row_number
            positions = _find_columns(values, spec, row_number, table)
            if positions is None:
                return
            continue
        _read_record(values, types, positions, spec, row_number, table)
    if header_row is None:
        table.errors.append(
            f"The sheet '{sheet.title}' is empty: expected a header row ({expected_headers}) "
            f"and {spec.describe_rows()} rows below it."
        )
        return
    _check_rows(spec, table, positions)


def _find_columns(
    values: list[Any], spec: TableSpec, row_number: int, table: Table
) -> dict[str, int] | None:
    found: dict[str, int] = {}
    for index, value in enumerate(values):
        if isinstance(value, str) and value.strip():
            found.setdefault(value.strip().lower(), index)
    positions = {}
    missing = []
    for column in spec.columns:
        index = found.get(column.header.lower())
        if index is None:
            missing.append(column.header)
        else:
            positions[column.name] = index
    if missing:
        seen = ", ".join(str(v).strip() for v in values if not _is_blank(v)) or "nothing"
        names = ", ".join(f"'{header}'" for header in missing)
        table.errors.append(
            f"Row {row_number} (the header row): missing column{'s' if len(missing) > 1 else ''} "
            f"{names}; found {seen}. Expected headers: "
            f"{', '.join(column.header for column in spec.columns)}."
        )
        return None
    return positions


def _read_record(
    values: list[Any],
    types: list[Any],
    positions: dict[str, int],
    spec: TableSpec,
    row_number: int,
    table: Table,
) -> None:
    record: dict[str, Any] = {"_row": row_number}
    ok = True
    for column in spec.columns:
        index = positions[column.name]
        cell = f"{column_letter(index)}{row_number}"
        value = values[index] if index < len(values) else None
        data_type = types[index] if index < len(types) else None
        if data_type == "e" or (isinstance(value, str) and value.strip() in EXCEL_ERRORS):
            table.errors.append(
                f"{cell}: {column.header} is the formula error {str(value).strip()}; "
                "fix the formula or type the value."
            )
            ok = False
            continue
        if _is_blank(value):
            if column.required:
                table.errors.append(f"{cell}: {column.header} is empty.")
                ok = False
            record[column.name] = None
            continue
        try:
            record[column.name] = _convert(column, value)
        except ValueError as exc:
            table.errors.append(f"{cell}: {column.header} {exc}, got {_shown(value)}.")
            ok = False
    record["_ok"] = ok
    table.rows.append(record)


def _check_rows(spec: TableSpec, table: Table, positions: dict[str, int]) -> None:
    count = len(table.rows)
    what = (spec.consecutive and "months") or "rows"
    if spec.exactly is not None and count != spec.exactly:
        table.errors.append(f"Expected exactly {spec.exactly} {what}, found {count}.")
    if spec.min_rows is not None and count < spec.min_rows:
        table.errors.append(f"Expected at least {spec.min_rows} {what}, found {count}.")
    if spec.max_rows is not None and count > spec.max_rows:
        table.errors.append(f"Expected at most {spec.max_rows} {what}, found {count}.")
    if spec.consecutive:
        letter = column_letter(positions[spec.consecutive])
        _check_consecutive(spec.consecutive, letter, table)
    for record in table.rows:
        record.pop("_ok", None)


def _check_consecutive(name: str, letter: str, table: Table) -> None:
    seen: dict[str, int] = {}
    for record in table.rows:
        month = record.get(name)
        if not isinstance(month, str):  # empty or not a month: already reported
            continue
        if month in seen:
            table.errors.append(
                f"{letter}{record['_row']}: month {month} appears twice "
                f"(also in {letter}{seen[month]})."
            )
        else:
            seen[month] = record["_row"]
    if any(not isinstance(record.get(name), str) for record in table.rows):
        # A month that could not be read may be the "missing" one: no gap is reported.
        table.rows.sort(key=lambda record: record["_row"])
        return
    months = sorted(seen)
    for earlier, later in itertools.pairwise(months):
        expected = _next_month(earlier)
        if later != expected:
            missing = [expected]
            while _next_month(missing[-1]) < later and len(missing) < 24:
                missing.append(_next_month(missing[-1]))
            gap = missing[0] if len(missing) == 1 else f"{missing[0]} to {missing[-1]}"
            table.errors.append(
                f"The months must be consecutive: {gap} missing between {earlier} "
                f"({letter}{seen[earlier]}) and {later} ({letter}{seen[later]})."
            )
    table.rows.sort(key=lambda record: (record.get(name) or "", record["_row"]))


def _next_month(month: str) -> str:
    year, number = int(month[:4]), int(month[5:])
    return f"{year + number // 12:04d}-{number % 12 + 1:02d}"


def read_upload(*, name: str, size: int, file: IO[bytes], spec: TableSpec) -> Table:
    """Both stages on one file object (rewound as needed); UploadRejected for stage 1."""
    file.seek(0)
    head = file.read(4096)
    file.seek(0)
    check_xlsx_container(name=name, size=size, head=head, file=file)
    file.seek(0)
    return read_table(file, spec)


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
