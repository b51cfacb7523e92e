"""A corpus of statements as customers send them, built here (openpyxl and csv): each layout
and format the statement step reads, all holding the same figures, so each must be charted
with exactly those; and bad files, each refused with its own sentence.

LibreOffice is not installed on the build machine, so no file here was saved by it (the
files openpyxl writes are what LibreOffice and Excel read; a LibreOffice round trip would
add cached formula values, which `formulas_with_cached_values` writes by hand).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from babel.dates import format_date
from openpyxl import Workbook

MONTHS = [f"{2025 + (10 + i) // 12:04d}-{(10 + i) % 12 + 1:02d}" for i in range(12)]  # 2025-11..
INCOME = [Decimal("2150.50") + 100 * i for i in range(12)]
EXPENSES = [Decimal("1234.56") + 1000 * i for i in range(12)]  # up to 12,234.56: thousands


def first_day(month: str) -> dt.date:
    return dt.date(int(month[:4]), int(month[5:]), 1)


def spelled(month: str, pattern: str, language: str = "en") -> str:
    return format_date(first_day(month), pattern, locale=language)


def xlsx(sheets: dict[str, list[list]], formats: dict[str, str] | None = None) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
        for letter, number_format in (formats or {}).items():
            for (cell,) in sheet.iter_rows(min_col=ord(letter) - 64, max_col=ord(letter) - 64):
                cell.number_format = number_format
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def text_csv(
    rows: list[list], delimiter: str = ",", *, bom: bool = False, encoding="utf-8"
) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return (b"\xef\xbb\xbf" if bom else b"") + buffer.getvalue().encode(encoding)


def tall(month=lambda m: m, income=lambda v: v, expenses=lambda v: v, header=None) -> list[list]:
    rows = [list(header or ("month", "income", "expenses"))]
    for m, i, e in zip(MONTHS, INCOME, EXPENSES, strict=True):
        rows.append([month(m), income(i), expenses(e)])
    return rows


def wide(month=lambda m: m, amount=lambda v: v, labels=("Income", "Expenses")) -> list[list]:
    return [
        ["", *[month(m) for m in MONTHS]],
        [labels[0], *[amount(v) for v in INCOME]],
        [labels[1], *[amount(v) for v in EXPENSES]],
    ]


def thousands(value: Decimal) -> str:
    return f"{value:,.2f}"


def french(value: Decimal) -> str:
    return f"{value:,.2f}".replace(",", "\u202f").replace(".", ",")


def german(value: Decimal) -> str:
    return f"{value:,.2f}".replace(",", "X").replace(".", ",").replace("X", ".")


def with_cached_formulas(content: bytes) -> bytes:
    """Give each formula openpyxl wrote (`<f>..</f><v />`) the value a spreadsheet program
    would have saved with it (the formulas here are sums of two literals)."""

    def value(match: re.Match) -> str:
        formula = match[1]
        left, right = formula.split("+")
        return f"<f>{formula}</f><v>{Decimal(left) + Decimal(right)}</v>"

    return _patch(content, "xl/worksheets/sheet1.xml", lambda xml: re.sub(
        r"<f>([^<]+)</f><v\s*/>", value, xml.decode()).encode())  # fmt: skip


def _patch(content: bytes, part: str, change: Callable[[bytes], bytes]) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            target.writestr(info, change(data) if info.filename == part else data)
    return out.getvalue()


def _formula(value: Decimal) -> str:
    return f"={value - 100}+100"


def _reversed(rows: list[list]) -> list[list]:
    return [rows[0], *reversed(rows[1:])]


@dataclass(frozen=True)
class Good:
    name: str
    content: bytes
    layout: str  # a part of what the preview says
    sheet: str = ""


def good_files() -> dict[str, Good]:
    dates = tall(month=first_day)
    files = {
        "template layout, months as text": Good("s.xlsx", xlsx({"Sheet": tall()}), "row 1"),
        "months as real dates": Good(
            "s.xlsx", xlsx({"Sheet": dates}, {"A": "mmm yyyy"}), "headers in row 1"
        ),
        "title lines above the header": Good(
            "s.xlsx",
            xlsx(
                {
                    "Statement": [
                        ["Statement for Ada Lovelace"],
                        ["Exported 2 Nov 2026"],
                        [],
                        *tall(),
                    ]
                }
            ),
            "headers in row 4",
        ),
        "Revenue / Expenditure": Good(
            "s.xlsx", xlsx({"Sheet": tall(header=("Month", "Revenue", "Expenditure"))}), "row 1"
        ),
        "Period / Credits / Debits, upper case": Good(
            "s.xlsx", xlsx({"Sheet": tall(header=("PERIOD", "CREDITS", "DEBITS"))}), "row 1"
        ),
        "months 'Jan 2026'": Good(
            "s.xlsx", xlsx({"Sheet": tall(month=lambda m: spelled(m, "MMM y"))}), "row 1"
        ),
        "months 'January 2026'": Good(
            "s.xlsx", xlsx({"Sheet": tall(month=lambda m: spelled(m, "MMMM y"))}), "row 1"
        ),
        "months 'MM/YYYY'": Good(
            "s.xlsx", xlsx({"Sheet": tall(month=lambda m: f"{m[5:]}/{m[:4]}")}), "row 1"
        ),
        "months 'Nov-25'": Good(
            "s.xlsx", xlsx({"Sheet": tall(month=lambda m: spelled(m, "MMM-yy"))}), "row 1"
        ),
        "French: Mois / Revenus / Dépenses, 'janv. 2026', '1 234,56'": Good(
            "s.xlsx",
            xlsx(
                {
                    "Relevé": tall(
                        month=lambda m: spelled(m, "MMM y", "fr"),
                        income=french,
                        expenses=french,
                        header=("Mois", "Revenus", "Dépenses"),
                    )
                }
            ),
            "row 1",
        ),
        "amounts as text with thousands separators": Good(
            "s.xlsx", xlsx({"Sheet": tall(income=thousands, expenses=thousands)}), "row 1"
        ),
        "amounts with a currency sign": Good(
            "s.xlsx",
            xlsx(
                {
                    "Sheet": tall(
                        income=lambda v: f"€{thousands(v)}", expenses=lambda v: f"£ {thousands(v)}"
                    )
                }
            ),
            "row 1",
        ),
        "expenses negative in parentheses": Good(
            "s.xlsx", xlsx({"Sheet": tall(expenses=lambda v: f"({thousands(v)})")}), "row 1"
        ),
        "expenses as negative numbers": Good(
            "s.xlsx", xlsx({"Sheet": tall(expenses=lambda v: -v)}, {"C": "#,##0.00"}), "row 1"
        ),
        "newest month first, extra columns and a total row": Good(
            "s.xlsx",
            xlsx(
                {
                    "Sheet": [
                        ["Month", "Category", "Income", "Expenses", "Balance"],
                        *[
                            [m, "household", i, e, i - e]
                            for m, i, e in reversed(
                                list(zip(MONTHS, INCOME, EXPENSES, strict=True))
                            )
                        ],
                        ["Total", None, sum(INCOME), sum(EXPENSES), None],
                    ]
                }
            ),
            "row 1",
        ),
        "formulas with their saved values": Good(
            "s.xlsx",
            with_cached_formulas(xlsx({"Sheet": tall(income=_formula, expenses=_formula)})),
            "row 1",
        ),
        "the statement on the second sheet": Good(
            "s.xlsx",
            xlsx({"Notes": [["Prepared by the customer"], ["See the next sheet"]], "Data": tall()}),
            "row 1",
            sheet="Data",
        ),
        "wide: months across the top": Good(
            "s.xlsx", xlsx({"Sheet": wide(month=first_day)}, {}), "months across row 1"
        ),
        "wide: title, 'Jan 2026' months, a Net row": Good(
            "s.xlsx",
            xlsx(
                {
                    "Budget": [
                        ["Household budget"],
                        [],
                        *wide(month=lambda m: spelled(m, "MMM y")),
                        ["Net", *[i - e for i, e in zip(INCOME, EXPENSES, strict=True)]],
                    ]
                }
            ),
            "months across row 3",
        ),
        "wide: Revenue / Outgoings as text amounts": Good(
            "s.xlsx",
            xlsx({"Sheet": wide(amount=thousands, labels=("Revenue", "Outgoings"))}),
            "months across row 1",
        ),
        "csv, comma": Good("s.csv", text_csv(tall()), "row 1"),
        "csv, semicolon and decimal comma": Good(
            "s.csv", text_csv(tall(income=german, expenses=german), ";"), "row 1"
        ),
        "csv, tab, UTF-8 BOM, French months": Good(
            "s.csv",
            text_csv(
                tall(
                    month=lambda m: spelled(m, "MMMM y", "fr"),
                    header=("Mois", "Recettes", "Dépenses"),
                ),
                "\t",
                bom=True,
            ),
            "row 1",
        ),
        "csv, Windows-1252, currency codes, quoted thousands": Good(
            "s.csv",
            text_csv(
                tall(
                    income=lambda v: f"EUR {thousands(v)}",
                    expenses=lambda v: f"-{thousands(v)} EUR",
                    header=("Période", "Money in", "Money out"),
                ),
                encoding="cp1252",
            ),
            "row 1",
        ),
        "csv, wide": Good("s.csv", text_csv(wide()), "months across row 1"),
        "csv, bank export with a preamble": Good(
            "s.csv",
            text_csv(
                [
                    ["Account", "12345678"],
                    ["From", "2025-11-01"],
                    [],
                    *_reversed(tall(header=("Date", "Credits", "Debits"))),
                ],
                ";",
            ),
            "headers in row 4",
        ),
    }
    return files


GOOD_FILES = good_files()
