"""Workflows: parsing time and peak memory of statements, up to the row and size limits.

Measures `excel.read_upload` (container checks + openpyxl read-only parse or csv + layout
detection + cell checks) on:
- a good 12-month statement in each layout the definition accepts: the template (header row),
  a customer's own (title lines, synonyms, "Jan 2026" months, amounts as text with separators
  and negative expenses in parentheses), months across a row (wide), the statement on the
  third sheet, and CSV in both layouts (semicolons and decimal commas);
- a header and WORKFLOWS_EXCEL_MAX_ROWS - 1 rows, .xlsx and .csv (read in full, then refused:
  too many months);
- a sheet of 100,000 rows (refused after the row limit: reading stops there);
- a file just under WORKFLOWS_UPLOAD_MAX_BYTES (2 MiB of incompressible cell text);
- a zip bomb (40 MiB of zeros in 40 KiB): refused from the zip directory alone.
Peak memory is tracemalloc's (Python allocations) on a separate run of each.

Run: `python -m bench workflows` (no database needed).
"""

from __future__ import annotations

import io
import random
import string
import time
import tracemalloc

from bench.common import figure, heading, setup_django, summary_ms


def _workbook(rows, header=("month", "income", "expenses")) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Statement")
    sheet.append(list(header))
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _months(count: int):
    for index in range(count):
        year, month = divmod(index, 12)
        yield f"{2000 + year:04d}-{month + 1:02d}"


def _sheets(sheets: dict[str, list[list]]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _csv(rows, delimiter=";") -> bytes:
    import csv

    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter).writerows(rows)
    return buffer.getvalue().encode()


def _layouts() -> dict[str, tuple[str, bytes]]:
    """A 12-month statement in each layout: label -> (file name, content)."""
    import datetime as dt

    months = list(_months(12))
    named = [dt.date(int(m[:4]), int(m[5:]), 1).strftime("%b %Y") for m in months]
    income = [2000 + 100 * i for i in range(12)]
    expenses = [1500.5 + i for i in range(12)]
    own = [
        ["Statement for Ada Lovelace"],
        ["Exported from the bank"],
        [],
        ["Period", "Revenue", "Expenditure", "Balance"],
    ]
    own += [
        [n, f"{i:,.2f}", f"({e:,.2f})", i - e]
        for n, i, e in zip(named, income, expenses, strict=True)
    ]
    wide = [["", *named], ["Income", *income], ["Expenses", *expenses]]
    tall = [["month", "income", "expenses"], *map(list, zip(months, income, expenses, strict=True))]
    german = [
        [m, f"{i:.2f}".replace(".", ","), f"{e:.2f}".replace(".", ",")]
        for m, i, e in zip(months, income, expenses, strict=True)
    ]
    return {
        "12 months, the template": ("s.xlsx", _sheets({"Statement": tall})),
        "12 months, own file (titles, synonyms, text amounts)": ("s.xlsx", _sheets({"S": own})),
        "12 months, months across a row": ("s.xlsx", _sheets({"Budget": wide})),
        "12 months, on the third sheet": (
            "s.xlsx", _sheets({"Notes": [["notes"]] * 30, "Charts": [["x"]] * 30, "Data": tall})),
        "12 months, csv (semicolons, decimal commas)": (
            "s.csv", _csv([["Mois", "Revenus", "Dépenses"], *german])),
        "12 months, csv, months across a row": ("s.csv", _csv(wide, ",")),
    }  # fmt: skip


def _files(settings) -> dict[str, tuple[str, bytes]]:
    rng = random.Random(7)
    good = _workbook([[m, 2000 + i, 1500.5 + i] for i, m in enumerate(_months(12))])
    at_rows = _workbook(
        [
            [m, rng.randint(0, 9000), rng.random() * 9000]
            for m in _months(settings.WORKFLOWS_EXCEL_MAX_ROWS - 1)
        ]
    )
    long_sheet = _workbook([[m, 1, 2] for m in _months(100_000)])
    alphabet = string.ascii_letters + string.digits
    bulky_rows, content = [], b""
    width = 40
    while True:
        bulky_rows += [
            [m, 1, 2, *("".join(rng.choices(alphabet, k=24)) for _ in range(width))]
            for m in _months(50)
        ]
        content = _workbook(
            bulky_rows, header=("month", "income", "expenses", *(f"c{i}" for i in range(width)))
        )
        if len(content) > settings.WORKFLOWS_UPLOAD_MAX_BYTES * 0.95 or len(bulky_rows) > 20_000:
            break
    import zipfile

    bomb = io.BytesIO(good)
    with zipfile.ZipFile(bomb, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/media/bomb.bin", b"\0" * (40 * 1024 * 1024))
    limit = settings.WORKFLOWS_EXCEL_MAX_ROWS - 1
    at_rows_csv = _csv([["month", "income", "expenses"],
                        *[[m, rng.randint(0, 9000), f"{rng.random() * 9000:.2f}"]
                          for m in _months(limit)]], ",")  # fmt: skip
    return {
        **_layouts(),
        f"header + {limit} rows (the row limit)": ("s.xlsx", at_rows),
        f"header + {limit} rows, csv": ("s.csv", at_rows_csv),
        "100,000 rows (stops at the limit)": ("s.xlsx", long_sheet),
        f"{len(content) / 1048576:.2f} MiB, {len(bulky_rows)} rows x {width + 3} columns": (
            "s.xlsx", content),
        "zip bomb, 40 MiB of zeros": ("s.xlsx", bomb.getvalue()),
    }  # fmt: skip


def run() -> None:
    setup_django()
    from django.conf import settings

    from workflows import excel
    from workflows.loader import load_all

    definition = {d.key: d for d in load_all()[0]}["customer_income_expenditure"]
    spec = excel.TableSpec.from_config(definition.steps["statement"].config)

    def parse(name: str, content: bytes) -> list[str]:
        try:
            table = excel.read_upload(
                name=name, size=len(content), file=io.BytesIO(content), spec=spec
            )
        except excel.UploadRejected as rejected:
            return [rejected.message]
        return table.errors

    heading("Statement parsing (excel.read_upload): openpyxl read-only or csv, layout found")
    for label, (name, content) in _files(settings).items():
        repeats = 20 if len(content) < 100_000 else 3
        times, errors = [], []
        for _ in range(repeats):
            started = time.perf_counter()
            errors = parse(name, content)
            times.append(time.perf_counter() - started)
        tracemalloc.start()
        parse(name, content)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        outcome = "ok" if not errors else f"{len(errors)} error(s): {errors[0][:60]}"
        figure(
            f"{label} ({len(content) / 1024:.0f} KiB)",
            f"{summary_ms(times)}; peak {peak / 1024:.0f} KiB; {outcome}",
        )
