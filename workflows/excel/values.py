"""Cell values as people type them: months and amounts, in the formats a definition accepts.

Months: a real date (any day), `YYYY-MM`, `YYYY/MM`, `MM/YYYY`, `MM-YYYY`, `MM.YYYY`, an ISO
date `YYYY-MM-DD` (a real one: `2025-01-40` is refused, not read as 2025-01), or a month name
with a year (`Jan 2026`, `January 2026`, `Jan-26`, `janv. 2026`) in English and in the
languages the definition lists (names from Babel's CLDR data), case- and accent-insensitive.

Amounts: numbers; or text with thousands separators (`1,234.56`, `1.234,56`, `1 234,56`,
`1'234.56`), a decimal comma, a currency sign or code (`€`, `$`, `£`, `EUR`...), negative with
a minus sign or in parentheses (`(1,200.00)`), or a trailing minus (`1200-`). Where a text is
ambiguous (`1,234`: one thousand or one point two?) the file's own convention decides
(`decimal_comma`, detected over every amount of the file), else a comma followed by exactly
three digits groups thousands. One sign only: `(-5)` is refused (negative twice), not read as 5.

Every cell gives a Decimal or ValueRefused, whatever it holds (a test checks any text): at most
`MAX_AMOUNT`, at least `SMALLEST` when not zero (amounts are read to the cent, and no
spreadsheet number is smaller: `1e-99999999` is a slip, not an amount), and at most
`MAX_AMOUNT_TEXT` characters of text. Only exact Decimal operations (`copy_abs`,
`copy_negate`, comparisons: no context, so no rounding and no Overflow) touch a number before
it is bounded, so an exponent such as `1e999999999` is refused, never raised.
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
import re
import unicodedata
from decimal import Decimal, InvalidOperation
from typing import Any

#: The largest amount accepted (a statement is not a national budget; 1e308 is a typo).
MAX_AMOUNT = Decimal("999999999999.99")
#: The smallest amount that is not zero: below Excel's smallest number (about 2.2E-308) a value
#: was not computed by a spreadsheet; above it, a value is rounded to the cent like any other.
SMALLEST = Decimal("1E-307")
#: The longest text read as an amount ('EUR 999,999,999,999.99-' is 23 characters).
MAX_AMOUNT_TEXT = 50
TOO_LARGE = "is too large (the largest amount accepted is 999,999,999,999.99)"
TOO_SMALL = (
    "is too small to be an amount (smaller than any number a spreadsheet holds; amounts are "
    "read to the cent: write 0 or the amount in full)"
)
CURRENCY_SIGNS = "€$£¥₹₣₤₺₽₩₪₫₱฿"
CURRENCY_CODE = re.compile(r"^(?:[A-Z]{3}|[A-Z]{2}\$|FR|CHF)\s*|\s*(?:[A-Z]{3}|CHF)$")
SPACES = "\u00a0\u202f\u2009\u2007 '\u2019"
ISO_MONTH = re.compile(r"^(\d{4})[-/.](\d{1,2})(?:[-/.](\d{1,2}))?(?:[ t].*)?$")
MONTH_FIRST = re.compile(r"^(\d{1,2})[-/.](\d{4})$")
NAMED = re.compile(r"^([a-z]+)\.?[\s\-/.,']*(\d{4}|\d{2})$")
MONTH_NAMES = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
YEAR_FIRST_NAMED = re.compile(r"^(\d{4})[\s\-/.,]*([a-z]+)\.?$")


class ValueRefused(ValueError):
    """A cell that is not what its column wants; the message completes "<cell>: <header> ..."."""


class DateRefused(ValueRefused):
    """A date whose day does not exist ('2025-01-40'): said as such, not as "not a month"."""


def fold(text: str) -> str:
    """Lower case, accents removed, inner spaces collapsed: 'Dépenses ' -> 'depenses'."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(bare.lower().split())


@functools.cache
def month_names(languages: tuple[str, ...]) -> dict[str, int]:
    """Folded month names and abbreviations (without their dot) -> month number."""
    from babel.dates import get_month_names

    names: dict[str, int] = {"sept": 9}  # English 'Sept' is common and not in CLDR
    for language in ("en", *languages):
        for width in ("wide", "abbreviated"):
            for context in ("format", "stand-alone"):
                try:
                    found = get_month_names(width, context, language)
                except (ValueError, LookupError):  # an unknown language: checked by the loader
                    continue
                for number, name in found.items():
                    names.setdefault(fold(name).rstrip("."), number)
    return names


def _month_from(year: int, number: int) -> str:
    if not 1 <= number <= 12 or not 1900 <= year <= 2100:
        raise ValueRefused("is not a month")
    return f"{year:04d}-{number:02d}"


def _check_day(year: int, month: int, day: int) -> None:
    """A full date is read for its month only if it is a real date: '2025-01-40' is a slip
    whose month cannot be trusted."""
    days = calendar.monthrange(year, month)[1]
    if not 1 <= day <= days:
        raise DateRefused(f"is not a real date ({MONTH_NAMES[month - 1]} {year} has {days} days)")


def parse_month(value: Any, languages: tuple[str, ...] = ()) -> str:
    """'YYYY-MM' from a cell, or ValueRefused."""
    if isinstance(value, dt.datetime | dt.date):
        return _month_from(value.year, value.month)
    if not isinstance(value, str):
        raise ValueRefused("is not a month")
    text = fold(value)
    match = ISO_MONTH.match(text)
    if match:
        month = _month_from(int(match[1]), int(match[2]))
        if match[3] is not None:
            _check_day(int(match[1]), int(match[2]), int(match[3]))
        return month
    match = MONTH_FIRST.match(text)
    if match:
        return _month_from(int(match[2]), int(match[1]))
    names = month_names(languages)
    match = NAMED.match(text)
    if match and match[1] in names:
        year = int(match[2])
        return _month_from(year + 2000 if year < 100 else year, names[match[1]])
    match = YEAR_FIRST_NAMED.match(text)
    if match and match[2] in names:
        return _month_from(int(match[1]), names[match[2]])
    raise ValueRefused("is not a month")


def looks_like_month(value: Any, languages: tuple[str, ...] = ()) -> bool:
    try:
        parse_month(value, languages)
    except ValueRefused:
        return False
    return True


DECIMAL_COMMA_HINT = re.compile(
    r"(?:^|[^\d,.])\d{1,3}(?:[.\s\u00a0\u202f']\d{3})*,\d{1,2}$|\.\d{3},"
)


def hints_decimal_comma(texts: list[str]) -> bool:
    """True when the amounts written as text use a decimal comma (`1.234,56`, `12,5`)."""
    votes_comma = votes_point = 0
    for text in texts:
        if len(text) > MAX_AMOUNT_TEXT:  # not an amount (refused by parse_amount), no vote
            continue
        bare = text.strip().rstrip("-").rstrip(")").strip()
        bare = bare.strip(CURRENCY_SIGNS).strip()
        if DECIMAL_COMMA_HINT.search(bare):
            votes_comma += 1
        elif re.search(r"\d,\d{3}\.\d|\d\.\d{1,2}$", bare):
            votes_point += 1
    return votes_comma > votes_point


def parse_amount(value: Any, *, decimal_comma: bool = False) -> Decimal:
    """A Decimal from a cell (a number or text as described above), or ValueRefused: total
    (any value gives one or the other) and bounded (`SMALLEST` <= |amount| <= `MAX_AMOUNT`)."""
    if isinstance(value, bool | dt.date | dt.datetime | dt.time):
        raise ValueRefused("must be a number")
    if isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueRefused("must be a number")
        number = Decimal(repr(value))
    elif isinstance(value, Decimal):
        number = value
    elif isinstance(value, str):
        number = _amount_text(value, decimal_comma=decimal_comma)
    else:
        raise ValueRefused("must be a number")
    if not number.is_finite():
        raise ValueRefused("must be a number")
    # copy_abs and comparisons are exact (no context): abs() would overflow on 1e999999999.
    magnitude = number.copy_abs()
    if magnitude > MAX_AMOUNT:
        raise ValueRefused(TOO_LARGE)
    if not magnitude:
        return magnitude  # -0 (written '(0)' or '-0.00') is 0
    if magnitude < SMALLEST:
        raise ValueRefused(TOO_SMALL)
    return number


def _amount_text(value: str, *, decimal_comma: bool) -> Decimal:
    text = value.strip()
    if len(text) > MAX_AMOUNT_TEXT:  # and the patterns below only ever see short texts
        raise ValueRefused(f"must be a number, not a text of {len(text)} characters")
    minus_signs = 0
    if text.startswith("(") and text.endswith(")"):
        minus_signs, text = 1, text[1:-1].strip()
    text = CURRENCY_CODE.sub("", text.strip()).strip(CURRENCY_SIGNS + " ").strip()
    if text.startswith(("-", "\u2212")):
        minus_signs, text = minus_signs + 1, text[1:]
    elif text.endswith("-"):
        minus_signs, text = minus_signs + 1, text[:-1]
    elif text.startswith("+"):
        text = text[1:]
    text = CURRENCY_CODE.sub("", text.strip()).strip(CURRENCY_SIGNS + " ").strip()
    if text.startswith("(") and text.endswith(")"):  # -(5)
        minus_signs, text = minus_signs + 1, text[1:-1].strip()
    if minus_signs > 1:
        raise ValueRefused(
            "is negative twice, in parentheses and with a minus sign (a negative amount is "
            "written -5.00 or (5.00), not both)"
        )
    for space in SPACES:
        text = text.replace(space, "")
    if not text or not re.fullmatch(r"[\d.,]*\d[\d.,]*|[\d.,]*\d+(?:[eE][+-]?\d+)", text):
        raise ValueRefused("must be a number")
    if "e" in text.lower():
        plain = text
    elif "," in text and "." in text:
        decimal_mark = "," if text.rfind(",") > text.rfind(".") else "."
        group = "." if decimal_mark == "," else ","
        plain = text.replace(group, "").replace(decimal_mark, ".")
    elif "," in text:
        groups = text.split(",")
        thousands = len(groups) > 2 or (len(groups[-1]) == 3 and not decimal_comma)
        plain = text.replace(",", "") if thousands else text.replace(",", ".")
        if thousands and not all(len(part) == 3 for part in groups[1:]):
            raise ValueRefused("must be a number")
    elif "." in text:
        groups = text.split(".")
        thousands = len(groups) > 2 or (len(groups[-1]) == 3 and decimal_comma)
        plain = text.replace(".", "") if thousands else text
        if thousands and not all(len(part) == 3 for part in groups[1:]):
            raise ValueRefused("must be a number")
    else:
        plain = text
    try:
        number = Decimal(plain)  # exact: no context, so no Overflow for 1e999999999
    except InvalidOperation:  # an exponent past what Decimal can hold (1e99999999999999999999)
        mantissa, _, exponent = plain.lower().partition("e")
        if not exponent or not mantissa.strip("0."):
            raise ValueRefused("must be a number") from None
        raise ValueRefused(TOO_SMALL if exponent.startswith("-") else TOO_LARGE) from None
    return number.copy_negate() if minus_signs else number
