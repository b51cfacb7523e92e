"""Workbooks generated on the fly (good ones in every accepted layout, and a corpus of bad
ones), users with the roles that may run workflows, and a folder of definitions to edit."""

from __future__ import annotations

import datetime as dt
import io
import os
import shutil
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from openpyxl import Workbook

from core.roles import Role
from workflows.steps import StepType, registry

DEFINITIONS = Path(__file__).resolve().parents[2] / "workflows" / "definitions"
FILES = Path(__file__).resolve().parent / "files"  # files made once by a tool the tests lack
KEY = "customer_income_expenditure"
HEADER = ("month", "income", "expenses")


def months(start: str = "2025-01", count: int = 12) -> list[str]:
    year, month = int(start[:4]), int(start[5:])
    out = []
    for _ in range(count):
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def statement_rows(start: str = "2025-01", count: int = 12) -> list[list]:
    """Income 2000 + 100 * i, expenses 1500 + 50 * i (net 500 + 50 * i)."""
    return [[m, 2000 + 100 * i, 1500 + 50 * i] for i, m in enumerate(months(start, count))]


def workbook_bytes(rows: list[list] | None, header: tuple | list | None = HEADER) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    if header:
        sheet.append(list(header))
    for row in rows or []:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def good_statement(start: str = "2025-01") -> bytes:
    return workbook_bytes(statement_rows(start))


def with_extra_part(content: bytes, name: str, data: bytes, *, compress: bool = True) -> bytes:
    """The workbook with one more part in its zip (a zip bomb, or incompressible bulk)."""
    buffer = io.BytesIO(content)
    with zipfile.ZipFile(
        buffer, "a", zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    ) as z:
        z.writestr(name, data)
    return buffer.getvalue()


@pytest.fixture
def uploads_backend(settings, monkeypatch) -> Callable[[str], object]:
    """`uploads_backend("filesystem" | "database")` -> the uploads storage, as if
    UPLOADS_STORAGE had said so (the upload field took its storage when the model loaded)."""
    from django.core.files.storage import storages

    from workflows.models import Upload

    def use(name: str):
        settings.STORAGES = {
            **settings.STORAGES, "uploads": settings.UPLOADS_STORAGE_BACKENDS[name]
        }  # fmt: skip
        monkeypatch.setattr(Upload._meta.get_field("file"), "storage", storages["uploads"])
        return storages["uploads"]

    return use


def replace_upload_bytes(upload, content: bytes) -> None:
    """Put other bytes in an upload's stored file (a file the worker will then read)."""
    from django.core.files.base import ContentFile

    storage, name = upload.file.storage, upload.file.name
    storage.delete(name)
    assert storage.save(name, ContentFile(content)) == name


def _set(rows: list[list], row: int, column: int, value) -> list[list]:
    rows[row][column] = value
    return rows


@dataclass(frozen=True)
class BadFile:
    name: str
    content: bytes
    expected: str  # a part of the one message this file must produce


def bad_files() -> dict[str, BadFile]:
    """At least one file per way an upload goes wrong, each with its own message."""
    base = statement_rows()
    gap = statement_rows("2025-01", 13)
    del gap[3]  # 2025-04 missing, still 12 rows
    duplicate = statement_rows()
    duplicate[6][0] = "2025-03"  # A8 repeats A4
    plain_zip = io.BytesIO()
    with zipfile.ZipFile(plain_zip, "w") as archive:
        archive.writestr("notes.txt", "hello")
    return {
        "not an xlsx": BadFile(
            "statement.pdf",
            b"%PDF-1.4 not a workbook",
            "Only Excel workbooks (.xlsx) and CSV files (.csv) are accepted; 'statement.pdf' is a "
            ".pdf file.",
        ),
        "renamed csv": BadFile(
            "statement.xlsx",
            b"month,income,expenses\n2025-01,2000,1500\n",
            "is a text or CSV file renamed to .xlsx",
        ),
        "renamed xls": BadFile(
            "statement.xlsx",
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512,
            "old-format Excel file (.xls",
        ),
        "zip but not a workbook": BadFile(
            "statement.xlsx", plain_zip.getvalue(), "a zip file but not an Excel workbook"
        ),
        "empty file": BadFile("statement.xlsx", b"", "is empty (0 bytes)"),
        "empty workbook": BadFile(
            "statement.xlsx", workbook_bytes(None, header=None), "The sheet 'Sheet' is empty"
        ),
        "missing column": BadFile(
            "statement.xlsx",
            workbook_bytes([row[:2] for row in base], header=("month", "income")),
            "Row 1 (the header row): missing column 'expenses'",
        ),
        "text in an amount": BadFile(
            "statement.xlsx",
            workbook_bytes(_set(statement_rows(), 5, 1, "abc")),
            "B7: income must be a number, got 'abc'.",
        ),
        "negative amount": BadFile(
            "statement.xlsx",
            workbook_bytes(_set(statement_rows(), 3, 1, -20)),
            "B5: income must not be negative, got -20.",
        ),
        "11 months": BadFile(
            "statement.xlsx",
            workbook_bytes(statement_rows(count=11)),
            "Expected exactly 12 months, found 11.",
        ),
        "13 months": BadFile(
            "statement.xlsx",
            workbook_bytes(statement_rows(count=13)),
            "Expected exactly 12 months, found 13.",
        ),
        "gap in the months": BadFile(
            "statement.xlsx",
            workbook_bytes(gap),
            "The months must be consecutive: 2025-04 missing between 2025-03 (A4) and "
            "2025-05 (A5).",
        ),
        "duplicate month": BadFile(
            "statement.xlsx",
            workbook_bytes(duplicate),
            "A8: month 2025-03 appears twice (also in A4).",
        ),
        "month not a month": BadFile(
            "statement.xlsx",
            workbook_bytes(_set(statement_rows(), 1, 0, "Febtember 2025")),
            "A3: month must be a month such as 2025-01, 01/2025 or Jan 2025, got 'Febtember 2025'.",
        ),
        "formula error #DIV/0!": BadFile(
            "statement.xlsx",
            workbook_bytes(_set(statement_rows(), 2, 1, "#DIV/0!")),
            "B4: income is the formula error #DIV/0!",
        ),
        "formula error #REF!": BadFile(
            "statement.xlsx",
            workbook_bytes(_set(statement_rows(), 8, 2, "#REF!")),
            "C10: expenses is the formula error #REF!",
        ),
        "empty amount": BadFile(
            "statement.xlsx",
            workbook_bytes(_set(statement_rows(), 0, 2, None)),
            "C2: expenses is empty.",
        ),
        "oversized file": BadFile(
            "statement.xlsx",
            with_extra_part(good_statement(), "xl/media/photo.bin", os.urandom(2_200_000)),
            "the limit is 2.0 MiB",
        ),
        "zip bomb (size)": BadFile(
            "statement.xlsx",
            with_extra_part(good_statement(), "xl/media/bomb.bin", b"\0" * (40 * 1024 * 1024)),
            "expands to 40.0 MiB when unzipped; the limit is 20.0 MiB (refused as a possible "
            "zip bomb)",
        ),
        "zip bomb (ratio)": BadFile(
            "statement.xlsx",
            with_extra_part(good_statement(), "xl/media/bomb.bin", b"\0" * (8 * 1024 * 1024)),
            "to 1; the limit is 100 to 1 (refused as a possible zip bomb)",
        ),
        "damaged zip": BadFile(
            "statement.xlsx", b"PK\x03\x04" + b"garbage" * 50, "the zip is damaged"
        ),
        "XML entities (billion laughs)": BadFile(
            "statement.xlsx",
            _patched(
                base,
                "xl/worksheets/sheet1.xml",
                lambda xml: xml.replace(
                    b"<worksheet",
                    b'<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b '
                    b'"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;">]>'
                    b"<worksheet",
                    1,
                ).replace(b"<t>2025-01</t>", b"<t>&c;</t>"),
            ),
            "it contains XML entity declarations, which spreadsheet programs never write",
        ),
        "a huge number (1e308)": BadFile(
            "statement.xlsx",
            workbook_bytes(_set(statement_rows(), 1, 1, 1e308)),
            "B3: income is too large (the largest amount accepted is 999,999,999,999.99), "
            "got 1e+308.",
        ),
        "a macro-enabled workbook renamed .xlsx": BadFile(
            "statement.xlsx",
            _patched(
                base,
                "[Content_Types].xml",
                lambda xml: xml.replace(
                    b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                    b"application/vnd.ms-excel.sheet.macroEnabled.main+xml",
                ),
            ),
            "is a macro-enabled workbook (.xlsm) renamed to .xlsx",
        ),
        "an .xlsm": BadFile(
            "statement.xlsm", workbook_bytes(base), "is a macro-enabled workbook (.xlsm); only"
        ),
        "a control character in a cell": BadFile(
            "statement.xlsx",
            _patched(
                base,
                "xl/worksheets/sheet1.xml",
                lambda xml: xml.replace(b"<t>2025-02</t>", b"<t>2025\x01-02</t>"),
            ),
            "part of it is not well-formed (for example a control character",
        ),
        "password-protected": BadFile(
            "statement.xlsx",
            # A real one: a statement encrypted as Excel does it (an OLE compound file with
            # EncryptionInfo and EncryptedPackage), by files/make_password_protected.py.
            (FILES / "password_protected.xlsx").read_bytes(),
            "is protected by a password, so it cannot be read",
        ),
        "formulas without saved values": BadFile(
            "statement.xlsx",
            workbook_bytes([[m, f"={i}+0", f"={e}+0"] for m, i, e in base]),
            "The formulas in this file have no saved results (24 cells, e.g. B2: =2000+0)",
        ),
        "no sheet holds the statement": BadFile(
            "statement.xlsx",
            _two_sheets([["Prepared by the customer"]], [["Mon", "In", "Out"], *base]),
            "No sheet holds the statement; every sheet was read ('Notes': no header row",
        ),
        "title lines but no header": BadFile(
            "statement.xlsx",
            workbook_bytes([["My statement"], ["2025"], *[row[1:] for row in base]], header=None),
            "The sheet 'Sheet': no header row with month, income, expenses in its first 10 "
            "non-blank rows",
        ),
        "months across without an expenses row": BadFile(
            "statement.xlsx",
            workbook_bytes(
                [
                    ["", *[m for m, _, _ in base]],
                    ["Income", *[i for _, i, _ in base]],
                    ["Savings", *[e for _, _, e in base]],
                ],
                header=None,
            ),
            "Row 1 has months across it, but no row is named 'expenses' in the columns on its left",
        ),
        "a list of transactions": BadFile(
            "statement.csv",
            b"Date,Description,Credit,Debit\r\n"
            + b"".join(
                f"2025-{1 + n // 3:02d}-{1 + n % 3:02d},shop,{n},{n * 2}\r\n".encode()
                for n in range(36)
            ),
            "24 rows repeat a month (the first, A3: month 2025-01 appears twice (also in A2)): "
            "this looks like a list of transactions",
        ),
        "a workbook renamed .csv": BadFile(
            "statement.csv",
            workbook_bytes(base),
            "is an Excel workbook (or another zip file) renamed to .csv",
        ),
        "a binary file renamed .csv": BadFile(
            "statement.csv", b"\x00\x01\x02binary" * 20, "is not a text file"
        ),
        "an empty csv": BadFile("statement.csv", b"\r\n\r\n", "The file is empty"),
        "csv with text in an amount": BadFile(
            "statement.csv",
            b"month;income;expenses\r\n"
            + b"".join(
                f"{m};{'n/a' if n == 4 else i};{e}\r\n".encode() for n, (m, i, e) in enumerate(base)
            ),
            "B6: income must be a number, got 'n/a'.",
        ),
        "an exponent too large for any amount": BadFile(
            "statement.xlsx",
            workbook_bytes(_set(statement_rows(), 2, 1, "1e999999999")),
            "B4: income is too large (the largest amount accepted is 999,999,999,999.99), "
            "got '1e999999999'.",
        ),
        "csv with an exponent too large for any amount": BadFile(
            "statement.csv",
            _csv(_set(statement_rows(), 3, 2, "1E1000000")),
            "C5: expenses is too large (the largest amount accepted is 999,999,999,999.99), "
            "got '1E1000000'.",
        ),
        "an exponent too small for any amount": BadFile(
            "statement.xlsx",
            workbook_bytes(_set(statement_rows(), 4, 1, "1e-99999999")),
            "B6: income is too small to be an amount (smaller than any number a spreadsheet "
            "holds; amounts are read to the cent: write 0 or the amount in full), "
            "got '1e-99999999'.",
        ),
        "csv with an exponent too small for any amount": BadFile(
            "statement.csv",
            _csv(_set(statement_rows(), 5, 2, "-1e-99999999")),
            "C7: expenses is too small to be an amount",
        ),
        "a date that does not exist": BadFile(
            "statement.xlsx",
            workbook_bytes(_set(statement_rows(), 0, 0, "2025-01-40")),
            "A2: month is not a real date (January 2025 has 31 days), got '2025-01-40'.",
        ),
        "csv with a date that does not exist": BadFile(
            "statement.csv",
            _csv(_set(statement_rows(), 1, 0, "2025-02-29")),
            "A3: month is not a real date (February 2025 has 28 days), got '2025-02-29'.",
        ),
        "a double negative": BadFile(
            "statement.xlsx",
            workbook_bytes(_set(statement_rows(), 1, 2, "(-5)")),
            "C3: expenses is negative twice, in parentheses and with a minus sign (a negative "
            "amount is written -5.00 or (5.00), not both), got '(-5)'.",
        ),
    }


def _csv(rows: list[list], header: tuple = HEADER) -> bytes:
    lines = [",".join(header), *(",".join(str(value) for value in row) for row in rows)]
    return ("\r\n".join(lines) + "\r\n").encode()


def _patched(rows: list[list], part: str, change) -> bytes:
    """The workbook of these rows with one part of its zip changed (hostile XML...)."""
    source = zipfile.ZipFile(io.BytesIO(workbook_bytes(rows)))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            target.writestr(info, change(data) if info.filename == part else data)
    return out.getvalue()


def _two_sheets(first: list[list], second: list[list]) -> bytes:
    workbook = Workbook()
    workbook.active.title = "Notes"
    for row in first:
        workbook.active.append(row)
    data = workbook.create_sheet("Data")
    for row in second:
        data.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


BAD_FILES = bad_files()


@pytest.fixture
def runner(user_factory):
    """A loan officer: one of the roles that start workflows."""
    return user_factory(username="olga", roles=[Role.LOAN_OFFICER])


@pytest.fixture
def runner_api(runner, token_client):
    return token_client(runner)


@pytest.fixture
def customer_input() -> dict[str, str]:
    return {"first_name": "Ada", "last_name": "Lovelace", "date_of_birth": "1985-12-10"}


@pytest.fixture
def upload() -> Callable[..., object]:
    """`upload(content, name)` -> a Django uploaded file."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    def make(content: bytes | None = None, name: str = "statement.xlsx"):
        return SimpleUploadedFile(
            name,
            good_statement() if content is None else content,
            content_type="application/octet-stream",
        )

    return make


@pytest.fixture
def definitions_dir(tmp_path, settings) -> Path:
    """A copy of the shipped definitions in a folder the test may edit."""
    folder = tmp_path / "definitions"
    shutil.copytree(DEFINITIONS, folder)
    settings.WORKFLOWS_DEFINITIONS_DIRS = [str(folder)]
    return folder


def today() -> dt.date:
    return dt.datetime.now(tz=dt.UTC).date()


class ApprovalStep(StepType):
    """The docs' worked example: a person approves or rejects."""

    type = "approval"
    waits_for_person = True
    config_schema = {
        "type": "object",
        "additionalProperties": False,
        "properties": {"question": {"type": "string"}},
    }

    def build_form(self, step, definition):
        from django import forms

        return type(
            "ApprovalForm",
            (forms.Form,),
            {
                "decision": forms.ChoiceField(
                    choices=[("approve", "Approve"), ("reject", "Reject")]
                ),
                "step": step,
            },
        )

    def output_from_form(self, step, cleaned_data, upload_ids):
        return {"decision": cleaned_data["decision"]}


@pytest.fixture
def approval_step():
    registry.register(ApprovalStep())
    yield
    registry.unregister("approval")
