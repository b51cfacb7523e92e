"""`manage.py check_datetimes`: rows already holding dates or datetimes out of range.

Looks at every date and datetime column of our apps' models (or `--app`), for values before
`--earliest` or after `--latest` (default the input boundary's FILTER range, 1900-01-01 ..
2100-12-31), without loading any value into a Python datetime: such a row (a call planned
for year 10000) is exactly what Python cannot load, and what makes pages answer 500. On
PostgreSQL the comparison is SQL and values are read as text; on SQLite, where values are
ISO text, anything not shaped YYYY-MM-DD... (a 5-digit year, a number) is reported too.

Prints `app.Model  pk=...  field  raw value` per row (at most `--limit` per column, then a
count), then one summary line. Exit status: 0 when no row is out of range, 1 when some are,
2 for a bad option (one line on stderr).
"""

from __future__ import annotations

import datetime as dt
import types
from dataclasses import dataclass
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connections, models

from core.boundary import FILTER, parse_date_option

#: The shape a stored SQLite date/datetime must start with (Django writes ISO text).
SQLITE_ISO_DATE = "[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]*"


def our_apps() -> list[str]:
    """Labels of the project's own apps (those living in this repository)."""
    base = Path(settings.BASE_DIR).resolve()
    labels = []
    for config in apps.get_app_configs():
        path = Path(config.path).resolve()
        if path.is_relative_to(base) and ".venv" not in path.parts:
            labels.append(config.label)
    return labels


@dataclass(frozen=True)
class Column:
    model: type[models.Model]
    field: models.DateField

    @property
    def label(self) -> str:
        return f"{self.model._meta.app_label}.{self.model.__name__}"


@dataclass(frozen=True)
class Finding:
    column: Column
    pk: str
    raw: str


def date_columns(app_labels: list[str]) -> list[Column]:
    columns = []
    for label in app_labels:
        for model in apps.get_app_config(label).get_models():
            if model._meta.proxy or not model._meta.managed:
                continue
            for field in model._meta.concrete_fields:
                if isinstance(field, models.DateField):  # DateTimeField too
                    columns.append(Column(model, field))
    return columns


def _condition(connection, column: Column, earliest: dt.date, latest: dt.date):
    name = connection.ops.quote_name(column.field.column)
    is_datetime = isinstance(column.field, models.DateTimeField)
    if connection.vendor == "postgresql":
        if is_datetime:
            low = dt.datetime.combine(earliest, dt.time.min, tzinfo=dt.UTC)
            high = dt.datetime.combine(latest + dt.timedelta(days=1), dt.time.min, tzinfo=dt.UTC)
            return f"({name} < %s OR {name} >= %s)", [low, high], f"{name}::text"
        return f"({name} < %s OR {name} > %s)", [earliest, latest], f"{name}::text"
    if connection.vendor == "sqlite":
        condition = (
            f"({name} IS NOT NULL AND (typeof({name}) != 'text' OR {name} NOT GLOB "
            f"'{SQLITE_ISO_DATE}' OR substr({name}, 1, 10) < %s OR substr({name}, 1, 10) > %s))"
        )
        return condition, [earliest.isoformat(), latest.isoformat()], f"CAST({name} AS TEXT)"
    raise CommandError(f"check_datetimes knows SQLite and PostgreSQL, not {connection.vendor}.")


def find_out_of_range(
    columns: list[Column],
    *,
    earliest: dt.date,
    latest: dt.date,
    limit: int,
    database: str = "default",
) -> tuple[list[Finding], dict[Column, int]]:
    """Up to `limit` findings per column, and the number of bad rows per column."""
    connection = connections[database]
    findings: list[Finding] = []
    counts: dict[Column, int] = {}
    with connection.cursor() as cursor:
        for column in columns:
            where, params, raw = _condition(connection, column, earliest, latest)
            table = connection.ops.quote_name(column.model._meta.db_table)
            pk = connection.ops.quote_name(column.model._meta.pk.column)
            cursor.execute(f"SELECT COUNT(*) FROM {table} WHERE {where}", params)  # noqa: S608
            count = cursor.fetchone()[0]
            if not count:
                continue
            counts[column] = count
            cursor.execute(
                f"SELECT CAST({pk} AS TEXT), {raw} FROM {table} WHERE {where} "  # noqa: S608
                f"ORDER BY {pk} LIMIT %s",
                [*params, limit],
            )
            findings.extend(Finding(column, str(key), str(value)) for key, value in cursor)
    return findings, counts


def _one_line_errors(parser) -> None:
    """argparse prints its usage and the error; we print one line (and exit 2)."""

    def error(self, message: str) -> None:
        if self.called_from_command_line:
            self.exit(2, f"check_datetimes: {message} (see --help)\n")
        raise CommandError(message, returncode=2)

    parser.error = types.MethodType(error, parser)


class Command(BaseCommand):
    help = (
        "Report rows whose dates or datetimes are out of range (default 1900-01-01 .. "
        "2100-12-31), read as text. Exit 0: none; 1: some found; 2: bad option."
    )

    def create_parser(self, prog_name, subcommand, **kwargs):
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        _one_line_errors(parser)
        return parser

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--app",
            action="append",
            dest="apps",
            metavar="LABEL",
            help=f"only this app (repeatable); default all of ours: {', '.join(our_apps())}",
        )
        parser.add_argument("--earliest", help="YYYY-MM-DD (default 1900-01-01)")
        parser.add_argument("--latest", help="YYYY-MM-DD (default 2100-12-31)")
        parser.add_argument(
            "--limit", type=int, default=100, help="rows listed per column (default 100)"
        )
        parser.add_argument("--database", default="default")

    def handle(self, *args, **options) -> None:
        earliest, latest = self._range(options)
        labels = self._apps(options["apps"])
        if options["limit"] < 1:
            raise CommandError("--limit must be 1 or more.", returncode=2)
        if options["database"] not in connections:
            raise CommandError(f"--database: no database named {options['database']!r}.",
                               returncode=2)  # fmt: skip
        columns = date_columns(labels)
        findings, counts = find_out_of_range(
            columns,
            earliest=earliest,
            latest=latest,
            limit=options["limit"],
            database=options["database"],
        )
        listed: dict[Column, int] = {}
        for finding in findings:
            listed[finding.column] = listed.get(finding.column, 0) + 1
            self.stdout.write(
                f"{finding.column.label}  pk={finding.pk}  {finding.column.field.name}  "
                f"{finding.raw}"
            )
        for column, count in counts.items():
            if count > listed.get(column, 0):
                self.stdout.write(
                    f"{column.label}  {column.field.name}: {count - listed.get(column, 0)} "
                    "more rows not listed (--limit)"
                )
        span = f"{earliest.isoformat()} .. {latest.isoformat()}"
        checked = f"{len(columns)} date/datetime columns of {', '.join(labels)} checked"
        total = sum(counts.values())
        if not total:
            self.stdout.write(f"No row out of range ({span}): {checked}.")
            return
        self.stdout.write(
            f"{total} row{'s' if total != 1 else ''} out of range ({span}) in "
            f"{len(counts)} column{'s' if len(counts) != 1 else ''}: {checked}."
        )
        raise SystemExit(1)

    def _range(self, options) -> tuple[dt.date, dt.date]:
        low, high = FILTER.date_bounds()
        try:
            if options["earliest"]:
                low = self._date("--earliest", options["earliest"])
            if options["latest"]:
                high = self._date("--latest", options["latest"])
        except ValueError as error:
            raise CommandError(str(error), returncode=2) from None
        if low > high:
            raise CommandError("--earliest must be on or before --latest.", returncode=2)
        return low, high

    @staticmethod
    def _date(option: str, text: str) -> dt.date:
        try:
            return parse_date_option(text, None)
        except ValueError as error:
            raise ValueError(f"{option} {error}") from None

    def _apps(self, requested: list[str] | None) -> list[str]:
        ours = our_apps()
        if not requested:
            return ours
        unknown = [label for label in requested if label not in ours]
        if unknown:
            raise CommandError(
                f"--app: {', '.join(unknown)} is not one of ours ({', '.join(ours)}).",
                returncode=2,
            )
        return list(dict.fromkeys(requested))
