"""What a definition's `excel_upload` step asks of a file: its columns (with their header
synonyms, types, bounds and sign rule), the rows, the layouts, formats and month languages."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from workflows.excel.values import fold

LAYOUTS = ("rows", "columns")  # months down a column under a header row / months across a row
FORMATS = ("xlsx", "csv")
HEADER_NOISE = re.compile(r"[\(\[].*?[\)\]]|[:*#.]|[€$£¥₹]")


def header_key(text: str) -> str:
    """A header as compared: folded, without units in brackets or a currency sign:
    'Dépenses (€)' -> 'depenses'."""
    return " ".join(HEADER_NOISE.sub(" ", fold(text)).replace("_", " ").split())


@dataclass(frozen=True)
class Column:
    name: str
    header: str
    type: str  # month | amount | number | text
    min: Decimal | None = None
    max: Decimal | None = None
    required: bool = True
    synonyms: tuple[str, ...] = ()
    sign: str = "as_written"  # or "absolute": -1,200 and (1,200) both read as 1,200

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Column:
        def bound(key: str) -> Decimal | None:
            return Decimal(str(config[key])) if config.get(key) is not None else None

        return cls(
            name=config["name"],
            header=str(config.get("header", config["name"])),
            type=config["type"],
            min=bound("min"),
            max=bound("max"),
            required=config.get("required", True),
            synonyms=tuple(config.get("synonyms", ())),
            sign=config.get("sign", "as_written"),
        )

    @functools.cached_property
    def keys(self) -> frozenset[str]:
        """Every header that names this column, as compared."""
        names = (self.header, self.name, *self.synonyms)
        return frozenset(key for key in (header_key(name) for name in names) if key)

    def matches(self, value: Any) -> bool:
        return isinstance(value, str) and header_key(value) in self.keys


@dataclass(frozen=True)
class TableSpec:
    columns: tuple[Column, ...]
    exactly: int | None = None
    min_rows: int | None = None
    max_rows: int | None = None
    consecutive: str | None = None  # a month column whose values must follow each other
    sheet: str | None = None  # None: the first sheet whose headers match
    layouts: tuple[str, ...] = LAYOUTS
    header_within: int = 10  # the header (or the row of months) is in the first 10 rows
    month_languages: tuple[str, ...] = ()  # besides English
    formats: tuple[str, ...] = ("xlsx",)

    @classmethod
    def from_config(cls, config: dict[str, Any], *, formats: tuple[str, ...] = ()) -> TableSpec:
        rows = config.get("rows", {})
        layout = config.get("layout", {})
        return cls(
            columns=tuple(Column.from_config(column) for column in config["columns"]),
            exactly=rows.get("exactly"),
            min_rows=rows.get("min"),
            max_rows=rows.get("max"),
            consecutive=config.get("consecutive"),
            sheet=config.get("sheet"),
            layouts=tuple(layout.get("accept", LAYOUTS)),
            header_within=layout.get("header_within", 10),
            month_languages=tuple(config.get("month_languages", ())),
            formats=tuple(formats or config.get("formats", ("xlsx",))),
        )

    @property
    def month_column(self) -> Column | None:
        wanted = self.consecutive
        for column in self.columns:
            if column.type == "month" and (wanted is None or column.name == wanted):
                return column
        return None

    def expected_headers(self) -> str:
        return ", ".join(column.header for column in self.columns)

    def describe_rows(self) -> str:
        if self.exactly is not None:
            return f"exactly {self.exactly}"
        if self.min_rows is not None and self.max_rows is not None:
            return f"{self.min_rows} to {self.max_rows}"
        if self.min_rows is not None:
            return f"at least {self.min_rows}"
        if self.max_rows is not None:
            return f"at most {self.max_rows}"
        return "any number of"
