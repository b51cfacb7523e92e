"""`manage.py check_datetimes`: rows already holding out-of-range dates, found without
loading them (on SQLite and PostgreSQL)."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from tests.kam.conftest import RestaurantFactory
from tests.leads.conftest import LeadFactory

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def run(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("check_datetimes", *args, stdout=out)
    except SystemExit as exit_:
        return int(exit_.code), out.getvalue()
    return 0, out.getvalue()


def _set(table: str, column: str, pk: int, value) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {column} = %s WHERE id = %s",  # noqa: S608
            [value, pk],
        )


def test_a_clean_database_exits_0_with_a_summary(db):
    RestaurantFactory()

    code, output = run()

    assert code == 0
    assert output.startswith("No row out of range (1900-01-01 .. 2100-12-31): ")
    assert "date/datetime columns of core, leads, loans, kam, workflows, evaluations" in output


def test_rows_out_of_range_are_listed_and_exit_1(db):
    account, fine = RestaurantFactory(), RestaurantFactory()
    lead = LeadFactory()
    postgres = connection.vendor == "postgresql"
    # What the running system stored for a call rescheduled to 9999-12-31 23:00 in Los Angeles.
    _set("kam_restaurant", "next_call_due_at", account.pk,
         "10000-01-01 07:00:00+00" if postgres else "10000-01-01 07:00:00")  # fmt: skip
    _set("leads_lead", "birth_date", lead.pk, "0044-03-15 BC" if postgres else "1899-12-31")

    code, output = run()

    assert code == 1
    lines = output.splitlines()
    assert any(
        line.startswith(f"kam.Restaurant  pk={account.pk}  next_call_due_at  10000-01-01 07:00:00")
        for line in lines
    ), output
    assert any(line.startswith(f"leads.Lead  pk={lead.pk}  birth_date  ") for line in lines)
    assert f"pk={fine.pk} " not in output
    assert lines[-1].startswith("2 rows out of range (1900-01-01 .. 2100-12-31) in 2 columns: ")


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite stores ISO text")
def test_sqlite_text_that_is_not_an_iso_date_is_reported(db):
    first, second = RestaurantFactory(), RestaurantFactory()
    _set("kam_restaurant", "next_call_due_at", first.pk, 20261129)
    _set("kam_restaurant", "next_call_due_at", second.pk, "29/11/2026 10:00")

    code, output = run("--app", "kam")

    assert code == 1
    assert f"pk={first.pk}  next_call_due_at  20261129" in output
    assert f"pk={second.pk}  next_call_due_at  29/11/2026 10:00" in output


def test_options_narrow_the_range_apps_and_listing(db):
    accounts = [RestaurantFactory() for _ in range(3)]
    for account in accounts:
        _set("kam_restaurant", "next_call_due_at", account.pk,
             "2099-01-01 00:00:00+00" if connection.vendor == "postgresql"
             else "2099-01-01 00:00:00")  # fmt: skip

    assert run("--app", "leads")[0] == 0
    code, output = run("--app", "kam", "--latest", "2050-12-31", "--limit", "2")

    assert code == 1
    assert output.count("next_call_due_at  2099-01-01") == 2
    assert "kam.Restaurant  next_call_due_at: 1 more rows not listed (--limit)" in output
    assert "(1900-01-01 .. 2050-12-31)" in output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--app", "auth"], "--app: auth is not one of ours"),
        (["--earliest", "2026-02-30"], "--earliest must be a date written YYYY-MM-DD"),
        (["--latest", "tomorrow"], "--latest must be a date written YYYY-MM-DD"),
        (["--earliest", "2030-01-01", "--latest", "2020-01-01"], "--earliest must be on or"),
        (["--limit", "0"], "--limit must be 1 or more."),
        (["--limit", "many"], "argument --limit: invalid int value"),
    ],
)
def test_bad_options_are_one_readable_error(args, message):
    with pytest.raises(CommandError, match=message) as caught:
        call_command("check_datetimes", *args)
    assert caught.value.returncode == 2


def test_from_the_command_line_a_bad_option_is_one_line_and_exit_2():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    for args, expected in (
        (["--bogus"], "check_datetimes: unrecognized arguments: --bogus (see --help)"),
        (["--app", "auth"], "CommandError: --app: auth is not one of ours"),
    ):
        done = subprocess.run(
            [sys.executable, "manage.py", "check_datetimes", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 2, done.stderr
        assert done.stderr.strip().startswith(expected), done.stderr
        assert len(done.stderr.strip().splitlines()) == 1, done.stderr
