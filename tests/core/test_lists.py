"""List pages: sort links, page sizes and filters kept in the URL, CSV export streamed in
constant memory, and the same number of queries whatever the page size."""

import csv
import io
import tracemalloc
import uuid
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.roles import Role
from loans.models import LoanApplication, Status
from tests.harness.users import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer_client(client, db):
    from django.contrib.auth.models import Group

    for role in Role:
        Group.objects.get_or_create(name=role.group_name)
    client.force_login(UserFactory(roles=[Role.LOAN_OFFICER]))
    return client


def _applications(count: int, **fields) -> None:
    LoanApplication.objects.bulk_create(
        [
            LoanApplication(
                id=uuid.uuid4(),
                first_name=f"First{i:06d}",
                last_name=f"Last{i:06d}",
                email=f"p{i}@example.test",
                amount=Decimal(100 + i),
                currency="EUR",
                status=fields.get("status", Status.PENDING),
            )
            for i in range(count)
        ],
        batch_size=2000,
    )


def test_columns_sort_both_ways_and_the_header_says_which(officer_client):
    _applications(3)
    page = officer_client.get("/loans/?sort=amount").text
    assert page.index("First000000") < page.index("First000002")
    assert 'aria-sort="ascending"' in page
    assert 'href="?sort=-amount"' in page  # the link toggles to descending

    page = officer_client.get("/loans/?sort=-amount").text
    assert page.index("First000002") < page.index("First000000")
    assert 'aria-sort="descending"' in page


@pytest.mark.parametrize("junk", ["password", "--amount", "amount;drop", "-", "x" * 500])
def test_an_unknown_sort_falls_back_to_the_default(officer_client, junk):
    _applications(2)
    response = officer_client.get("/loans/", {"sort": junk})
    assert response.status_code == 200
    assert 'aria-sort="descending" data-column="created"' in response.text  # the default
    assert "First000000" in response.text


def test_filters_stay_in_every_link_and_counts_link_to_the_filtered_list(officer_client):
    _applications(60)
    _applications(1, status=Status.COMPLETED)
    page = officer_client.get("/loans/?status=pending&sort=email&size=25").text
    assert "60 applications" in page
    assert 'href="?status=pending&amp;sort=email&amp;size=25&amp;page=2"' in page
    assert 'href="?status=pending&amp;sort=email&amp;size=25&amp;export=csv"' in page
    assert 'href="?status=completed"' in page  # a count is a link to its filtered list
    assert "Page 1 of 3" in page
    # The filter form keeps the chosen order and page size when it is sent again.
    assert '<input type="hidden" name="sort" value="email">' in page
    assert '<input type="hidden" name="size" value="25">' in page


def test_the_list_runs_the_same_queries_whatever_the_page_size(officer_client):
    _applications(250)
    counts = []
    for size in (25, 200):
        with CaptureQueriesContext(connection) as queries:
            assert officer_client.get(f"/loans/?size={size}").status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_the_csv_export_is_the_filtered_sorted_list_safe_for_spreadsheets(officer_client):
    _applications(3)
    LoanApplication.objects.filter(first_name="First000001").update(first_name="=HYPERLINK(1)")
    response = officer_client.get("/loans/?sort=-amount&export=csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="loan-applications-')
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body.removeprefix("\ufeff"))))
    assert rows[0] == ["Applicant", "Email", "Amount", "Status", "Created", "Decided"]
    assert [r[2] for r in rows[1:]] == ["102.00 EUR", "101.00 EUR", "100.00 EUR"]
    assert rows[2][0] == "'=HYPERLINK(1) Last000001"  # a formula is written as text
    assert all(not cell.startswith("=") for row in rows for cell in row)


def _export_peak(client) -> tuple[int, int]:
    """(rows read, peak Python memory in bytes) while streaming the export."""
    response = client.get("/loans/?export=csv")
    tracemalloc.start()
    lines = 0
    try:
        for chunk in response.streaming_content:
            lines += chunk.count(b"\n")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return lines - 1, peak


@pytest.mark.slow
def test_the_csv_export_of_100000_rows_runs_in_constant_memory(officer_client):
    _applications(100_000)
    rows, peak = _export_peak(officer_client)

    assert rows == 100_000
    # The rows alone weigh ~100 MiB as model instances; streamed in chunks of 2,000 the
    # export's peak stays a few MiB whatever the number of rows.
    assert peak < 12 * 1024 * 1024, f"peak {peak / 1024 / 1024:.1f} MiB"


def test_the_pipeline_and_the_accounts_run_the_same_queries_whatever_the_page_size(client):
    from django.contrib.auth.models import Group

    from kam.models import Restaurant
    from leads.models import Lead, QualificationRun

    for role in Role:
        Group.objects.get_or_create(name=role.group_name)
    manager = UserFactory(roles=[Role.SALES_MANAGER, Role.KEY_ACCOUNT_MANAGER_LEAD])
    leads = Lead.objects.bulk_create(
        Lead(first_name=f"F{i}", last_name=f"L{i}", birth_date="1980-01-01",
             national_id=f"N{i:013d}", email=f"l{i}@example.test", phone="+33612345678",
             owner=manager)
        for i in range(220)
    )  # fmt: skip
    QualificationRun.objects.bulk_create(
        QualificationRun(lead=lead, source="page", status="done", outcome="prospect", score=80)
        for lead in leads
    )
    Restaurant.objects.bulk_create(
        Restaurant(name=f"R{i}", city="Paris", country="FR", time_zone="Europe/Paris",
                   currency="EUR", owner=manager)
        for i in range(220)
    )  # fmt: skip
    client.force_login(manager)
    for url in ("/leads/", "/kam/accounts/"):
        counts = []
        for size in (25, 200):
            with CaptureQueriesContext(connection) as queries:
                response = client.get(f"{url}?size={size}")
            assert response.status_code == 200
            assert response.text.count('type="checkbox"') == size
            counts.append(len(queries))
        assert counts[0] == counts[1], (url, counts)
