"""Parsing statements: every accepted layout, and a corpus of bad files, each with its own
clear message naming the cell."""

import datetime as dt
import io
from decimal import Decimal

import pytest

from tests.workflows.conftest import BAD_FILES, statement_rows, workbook_bytes
from workflows import excel
from workflows.loader import load_all

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def spec():
    definition = {d.key: d for d in load_all()[0]}["customer_income_expenditure"]
    return excel.TableSpec.from_config(definition.steps["statement"].config)


def read(content: bytes, spec, name: str = "statement.xlsx") -> excel.Table:
    return excel.read_upload(name=name, size=len(content), file=io.BytesIO(content), spec=spec)


def test_months_as_text_with_integer_amounts(spec):
    table = read(workbook_bytes(statement_rows()), spec)

    assert table.errors == []
    assert [row["month"] for row in table.rows][:3] == ["2025-01", "2025-02", "2025-03"]
    assert table.rows[0]["income"] == Decimal("2000.00")
    assert table.rows[11]["expenses"] == Decimal("2050.00")


def test_months_as_real_dates_with_decimal_amounts(spec):
    # Excel stores naive date-times; openpyxl gives them back as such.
    first_half = [dt.datetime(2024, 7 + i, 1, 0, 0) for i in range(6)]  # noqa: DTZ001
    second_half = [dt.date(2025, i + 1, 15) for i in range(6)]
    rows = [[month, 1234.5 + i, 999.99] for i, month in enumerate(first_half + second_half)]

    table = read(workbook_bytes(rows), spec)

    assert table.errors == []
    assert table.rows[0]["month"] == "2024-07"
    assert table.rows[-1]["month"] == "2025-06"
    assert table.rows[0]["income"] == Decimal("1234.50")
    assert table.rows[0]["expenses"] == Decimal("999.99")


def test_blank_rows_extra_columns_any_order_and_header_case_are_accepted(spec):
    rows = statement_rows()
    shuffled = [[None, None, None, None]]
    for index, (month, income, expenses) in enumerate(reversed(rows)):
        shuffled.append([expenses, "note", month, str(income)])  # numeric text is a number
        if index % 4 == 0:
            shuffled.append([None, "   ", None, None])
    shuffled += [[None] * 4] * 5

    table = read(
        workbook_bytes(shuffled, header=("Expenses", "Comment", " MONTH ", "Income")), spec
    )

    assert table.errors == []
    assert [row["month"] for row in table.rows] == [row[0] for row in rows]  # sorted by month
    assert table.rows[0]["income"] == Decimal("2000.00")


def test_a_year_boundary_is_consecutive(spec):
    assert read(workbook_bytes(statement_rows("2024-07")), spec).errors == []


def test_every_error_is_reported_at_once(spec):
    rows = statement_rows(count=11)
    rows[1][1] = "abc"
    rows[4][1] = -5
    rows[7][0] = "July"

    errors = read(workbook_bytes(rows), spec).errors

    assert "B3: income must be a number, got 'abc'." in errors
    assert "B6: income must not be negative, got -5." in errors
    assert "A9: month must be a month such as 2025-01, 01/2025 or Jan 2025, got 'July'." in errors
    assert "Expected exactly 12 months, found 11." in errors


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_each_bad_file_gives_its_own_clear_error(case, spec):
    bad = BAD_FILES[case]

    try:
        errors = read(bad.content, spec, name=bad.name).errors
    except excel.UploadRejected as rejected:
        errors = [rejected.message]

    assert any(bad.expected in error for error in errors), errors


def test_the_bad_files_all_give_different_messages(spec):
    messages = set()
    for bad in BAD_FILES.values():
        try:
            messages.add(tuple(read(bad.content, spec, name=bad.name).errors))
        except excel.UploadRejected as rejected:
            messages.add((rejected.message,))
    assert len(messages) == len(BAD_FILES)


def test_too_many_rows_is_refused_without_reading_on(spec, settings):
    settings.WORKFLOWS_EXCEL_MAX_ROWS = 30
    rows = statement_rows() + [[None, None, None]] * 10 + statement_rows("2026-01", 12)

    errors = read(workbook_bytes(rows), spec).errors

    assert errors == [
        "The sheet 'Sheet' has more than 30 rows; expected a header row and exactly 12 rows."
    ]


def test_too_many_csv_lines_are_refused_without_reading_on(spec, settings):
    settings.WORKFLOWS_EXCEL_MAX_ROWS = 30
    rows = statement_rows() + [["", "", ""]] * 10 + statement_rows("2026-01", 12)
    lines = ["month;income;expenses", *(";".join(str(v) for v in row) for row in rows)]
    content = ("\r\n".join(lines) + "\r\n").encode()
    assert content.count(b"\r\n") == 35  # a header and 34 lines: past the limit of 30

    errors = read(content, spec, name="statement.csv").errors

    assert errors == [
        "The file has more than 30 lines; expected a header line and exactly 12 lines."
    ]


def test_a_csv_at_the_line_limit_is_read(spec, settings):
    settings.WORKFLOWS_EXCEL_MAX_ROWS = 13  # the header and 12 months: exactly the limit
    lines = ["month,income,expenses", *(",".join(str(v) for v in row) for row in statement_rows())]

    table = read(("\n".join(lines) + "\n").encode(), spec, name="statement.csv")

    assert table.errors == []
    assert len(table.rows) == 12


def test_an_xml_entity_attack_is_refused_by_defusedxml(spec):
    import zipfile

    content = workbook_bytes(statement_rows())
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(
                    b"<worksheet",
                    b'<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]><worksheet',
                    1,
                )
            target.writestr(info, data)

    errors = read(out.getvalue(), spec).errors

    assert len(errors) == 1
    assert errors == [excel.grid.ENTITIES]
    assert "Error" not in errors[0]


def test_the_template_has_the_header_and_reads_back(spec):
    from openpyxl import load_workbook

    content = excel.template_workbook(spec, example_rows=[["2025-01", None, None]])
    sheet = load_workbook(io.BytesIO(content)).active

    assert [cell.value for cell in sheet[1]] == ["month", "income", "expenses"]
    assert "B2: income is empty." in read(content, spec).errors
