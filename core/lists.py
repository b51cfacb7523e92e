"""List pages built for hundreds of thousands of rows: one shape for every app.

A view hands its selector's queryset and its columns to `Table`; the table reads the query
string (`sort`, `page`, `size`, plus the page's own filters, which it keeps in every link it
builds), orders by the chosen column with the primary key as the tie-breaker (stable pages),
and pages with Django's paginator. `{% load lists %}` renders the header row with its sort
links (`{% table_head table %}`), the pagination and page-size links (`{% table_pages table %}`).

`?export=csv` on the same URL answers the whole filtered, sorted list as CSV, streamed row by
row from `queryset.iterator()`: memory stays constant whatever the number of rows.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, QueryDict, StreamingHttpResponse
from django.utils import timezone

PAGE_SIZES = (25, 50, 100, 200)
EXPORT_CHUNK = 2000


@dataclass(frozen=True)
class Column:
    """One column of a list page. `order_by`: the fields it sorts on (empty: not sortable);
    `value`: what the CSV export writes for a row (default: the attribute named `key`)."""

    key: str
    label: str
    order_by: tuple[str, ...] = ()
    numeric: bool = False
    value: Callable[[Any], Any] | None = None

    @property
    def sortable(self) -> bool:
        return bool(self.order_by)

    def cell(self, row: Any) -> Any:
        return self.value(row) if self.value is not None else getattr(row, self.key, "")


class Table:
    def __init__(
        self,
        request: HttpRequest,
        queryset: QuerySet,
        columns: Sequence[Column],
        *,
        default_sort: str,
        page_size: int = 50,
    ) -> None:
        self.request = request
        self.columns = list(columns)
        by_key = {c.key: c for c in self.columns if c.sortable}
        self.sort = self._sort(request.GET.get("sort", ""), by_key) or default_sort
        key, descending = self.sort.lstrip("-"), self.sort.startswith("-")
        fields = by_key[key].order_by if key in by_key else (key,)
        prefix = "-" if descending else ""
        self.queryset = queryset.order_by(*(f"{prefix}{f}" for f in fields), f"{prefix}pk")
        self.size = self._size(request.GET.get("size", ""), page_size)
        self.page = Paginator(self.queryset, self.size).get_page(request.GET.get("page"))

    @staticmethod
    def _sort(value: str, by_key: dict[str, Column]) -> str:
        return value if value.lstrip("-") in by_key and value.count("-") <= 1 else ""

    @staticmethod
    def _size(value: str, default: int) -> int:
        return (
            int(value)
            if value.isascii() and value.isdigit() and int(value) in PAGE_SIZES
            else default
        )

    # --- links -------------------------------------------------------------------------------

    def url(self, **changes: Any) -> str:
        """This list's URL with some parameters changed (None removes one). Changing anything
        but the page goes back to the first page."""
        query: QueryDict = self.request.GET.copy()
        query.pop("export", None)
        if "page" not in changes:
            query.pop("page", None)
        for name, value in changes.items():
            if value is None:
                query.pop(name, None)
            else:
                query[name] = str(value)
        encoded = query.urlencode()
        return f"?{encoded}" if encoded else "?"

    def headers(self) -> list[dict[str, Any]]:
        current, descending = self.sort.lstrip("-"), self.sort.startswith("-")
        headers = []
        for column in self.columns:
            state = None
            if column.sortable and column.key == current:
                state = "descending" if descending else "ascending"
            next_sort = f"-{column.key}" if state == "ascending" else column.key
            headers.append(
                {
                    "column": column,
                    "state": state,
                    "url": self.url(sort=next_sort) if column.sortable else None,
                }
            )
        return headers

    def export_url(self) -> str:
        query: QueryDict = self.request.GET.copy()
        query.pop("page", None)
        query["export"] = "csv"
        return f"?{query.urlencode()}"

    @property
    def wants_export(self) -> bool:
        return self.request.GET.get("export") == "csv"

    def export(self, filename: str) -> StreamingHttpResponse:
        return csv_response(
            self.queryset,
            [(c.label, c.cell) for c in self.columns],
            filename=filename,
        )


# --- CSV -------------------------------------------------------------------------------------


class _Echo:
    """A file-like object whose write returns what it was given (csv.writer writes to it)."""

    def write(self, value: str) -> str:
        return value


#: A cell starting with one of these is a formula to a spreadsheet program: prefix it.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _safe(value: Any, zone: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    if getattr(value, "tzinfo", None) is not None:
        return value.astimezone(zone).isoformat(timespec="seconds")
    return value


def csv_rows(
    rows: Iterable[Any], columns: Sequence[tuple[str, Callable[[Any], Any]]], *, zone: Any
) -> Iterator[str]:
    """The CSV lines; times in `zone` (ISO 8601 with their offset)."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow([label for label, _ in columns])  # BOM: Excel reads UTF-8
    for row in rows:
        yield writer.writerow([_safe(value(row), zone) for _, value in columns])


def csv_response(
    queryset: QuerySet | Iterable[Any],
    columns: Sequence[tuple[str, Callable[[Any], Any]]],
    *,
    filename: str,
) -> StreamingHttpResponse:
    """The rows as a CSV download, streamed in chunks (constant memory)."""
    rows = (
        queryset.iterator(chunk_size=EXPORT_CHUNK) if isinstance(queryset, QuerySet) else queryset
    )
    stamp = timezone.localtime().strftime("%Y-%m-%d-%H%M")
    # The person's zone, read now: the rows are written after the view has returned.
    zone = timezone.get_current_timezone()
    response = StreamingHttpResponse(
        csv_rows(rows, columns, zone=zone), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}-{stamp}.csv"'
    response["Cache-Control"] = "no-store"
    return response
