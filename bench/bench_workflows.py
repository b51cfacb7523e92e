"""Workflows: parsing time and peak memory of statements, up to the row and size limits.

Measures `excel.read_upload` (container checks + openpyxl read-only parse + cell checks) on:
- a good 12-month statement (the normal case);
- a header and WORKFLOWS_EXCEL_MAX_ROWS - 1 rows (read in full, then refused: too many months);
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


def _files(settings) -> dict[str, bytes]:
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
    return {
        "good 12 months": good,
        f"header + {settings.WORKFLOWS_EXCEL_MAX_ROWS - 1} rows (the row limit)": at_rows,
        "100,000 rows (stops at the limit)": long_sheet,
        f"{len(content) / 1048576:.2f} MiB, {len(bulky_rows)} rows x {width + 3} columns": content,
        "zip bomb, 40 MiB of zeros": bomb.getvalue(),
    }


def run() -> None:
    setup_django()
    from django.conf import settings

    from workflows import excel
    from workflows.loader import load_all

    definition = {d.key: d for d in load_all()[0]}["customer_income_expenditure"]
    spec = excel.TableSpec.from_config(definition.steps["statement"].config)

    def parse(content: bytes) -> list[str]:
        try:
            table = excel.read_upload(
                name="statement.xlsx", size=len(content), file=io.BytesIO(content), spec=spec
            )
        except excel.UploadRejected as rejected:
            return [rejected.message]
        return table.errors

    heading("Statement parsing (excel.read_upload), openpyxl read-only")
    for label, content in _files(settings).items():
        repeats = 20 if len(content) < 100_000 else 3
        times, errors = [], []
        for _ in range(repeats):
            started = time.perf_counter()
            errors = parse(content)
            times.append(time.perf_counter() - started)
        tracemalloc.start()
        parse(content)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        outcome = "ok" if not errors else f"{len(errors)} error(s): {errors[0][:60]}"
        figure(
            f"{label} ({len(content) / 1024:.0f} KiB)",
            f"{summary_ms(times)}; peak {peak / 1024:.0f} KiB; {outcome}",
        )
