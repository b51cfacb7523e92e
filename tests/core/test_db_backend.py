"""core.db.postgresql: psycopg's C `timestamptz` loader instead of Django's Python one, with
the same values (aware, UTC, to the microsecond) and Django's own loader kept otherwise."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection

from config.database import database_from_url

pytestmark = pytest.mark.django_db

UTC = datetime.UTC


def _require_postgres() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL-specific: this run uses " + connection.vendor)


def test_a_postgres_url_uses_our_backend_and_sqlite_keeps_djangos():
    assert database_from_url("postgres://u@h:5432/db", None)["ENGINE"] == "core.db.postgresql"
    assert (
        database_from_url("sqlite:////tmp/x.sqlite3", None)["ENGINE"]
        == "django.db.backends.sqlite3"
    )


LITERALS = [
    "2026-12-06 18:47:29.681053+00",
    "2026-03-29 01:30:00+00",  # a DST change somewhere
    "1900-01-01 00:00:00+00",
    "9999-12-31 23:59:59.999999+00",
    "2026-06-01 12:00:00+05:30",  # converted to UTC by the server
    "1970-01-01 00:00:00.000001+00",
]


def _load(sql_literals: list[str], cursor) -> list[datetime.datetime]:
    cursor.execute("SELECT unnest(%s::text[]::timestamptz[])", [sql_literals])
    return [row[0] for row in cursor.fetchall()]


def test_dates_load_through_the_c_loader_with_the_values_djangos_loader_gives():
    _require_postgres()
    from django.db.backends.postgresql.psycopg_any import register_tzloader

    from core.db.postgresql.base import UtcTimestamptzLoader

    connection.ensure_connection()
    loader = connection.connection.adapters.get_loader(1184, 0)  # timestamptz, text
    assert loader is UtcTimestamptzLoader
    with connection.cursor() as cursor:
        ours = _load(LITERALS, cursor)
    with connection.connection.cursor() as raw:
        register_tzloader(UTC, raw)  # Django's own loader, on this cursor only
        djangos = _load(LITERALS, raw)
    assert ours == djangos
    assert all(value.tzinfo is UTC for value in ours)
    assert ours[0] == datetime.datetime(2026, 12, 6, 18, 47, 29, 681053, tzinfo=UTC)
    assert ours[4] == datetime.datetime(2026, 6, 1, 6, 30, tzinfo=UTC)


def test_a_model_round_trip_keeps_the_instant_to_the_microsecond():
    _require_postgres()
    from core.models import AuditEvent

    at = datetime.datetime(2031, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)
    event = AuditEvent.objects.create(
        content_type_id=1, object_id="1", action="core.test", actor_label="t", created_at=at
    )
    loaded = AuditEvent.objects.get(pk=event.pk)
    assert loaded.created_at == at
    assert loaded.created_at.tzinfo is UTC


def test_an_out_of_range_date_is_refused_as_djangos_loader_refuses_it():
    _require_postgres()
    from django.db import DataError

    with pytest.raises(DataError), connection.cursor() as cursor:
        _load(["10000-01-01 00:00:00+00"], cursor)
