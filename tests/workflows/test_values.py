"""Cell values as people type them: `parse_amount` is total (any text or number gives a
bounded Decimal or ValueRefused, never another exception) and strict where reading leniently
would change the figure (`(-5)`, `2025-01-40`)."""

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from workflows.excel.values import (
    MAX_AMOUNT,
    MAX_AMOUNT_TEXT,
    SMALLEST,
    TOO_LARGE,
    TOO_SMALL,
    DateRefused,
    ValueRefused,
    parse_amount,
    parse_month,
)

FAST = settings(
    max_examples=300, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck)
)
#: Texts shaped like amounts, where the parser's branches are: signs, parentheses, currency,
#: separators, exponents of any size.
amount_like = st.from_regex(
    r"\A[ (]?[-+\u2212]?(EUR |€|\$)?[0-9][0-9 .,']{0,12}([eE][-+]?[0-9]{1,22})?-?( €| CHF)?\)?\Z"
)


def assert_total(value, decimal_comma: bool) -> None:
    try:
        number = parse_amount(value, decimal_comma=decimal_comma)
    except ValueRefused as refused:
        message = str(refused)  # the sentence's end: "<cell>: income <this>, got ..."
        number = None
    if number is None:
        assert message.startswith(("is ", "must ")), (value, message)
        return
    assert isinstance(number, Decimal)
    assert number.is_finite()
    assert number.copy_abs() <= MAX_AMOUNT
    assert not number or number.copy_abs() >= SMALLEST
    number.quantize(Decimal("0.01"))  # what the reader does next never raises either


@FAST
@given(text=st.one_of(st.text(max_size=80), amount_like), decimal_comma=st.booleans())
@example(text="1e999999999", decimal_comma=False)
@example(text="-1E1000000", decimal_comma=True)
@example(text="(1e-99999999)", decimal_comma=False)
@example(text="9" * 49, decimal_comma=False)
@example(text="1e99999999999999999999", decimal_comma=False)
def test_any_text_gives_a_bounded_decimal_or_a_refusal(text, decimal_comma):
    assert_total(text, decimal_comma)


@FAST
@given(
    value=st.one_of(
        st.integers(),
        st.floats(),
        st.decimals(),
        st.booleans(),
        st.dates(),
        st.none(),
        st.timedeltas(),
    )
)
def test_any_cell_value_gives_a_bounded_decimal_or_a_refusal(value):
    assert_total(value, False)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1e999999999", TOO_LARGE),
        ("1E1000000", TOO_LARGE),
        ("-1e999999999", TOO_LARGE),
        ("(1E1000000)", TOO_LARGE),
        ("1e99999999999999999999", TOO_LARGE),  # past what a Decimal can hold
        ("1e-99999999", TOO_SMALL),
        ("-1e-99999999999999999999", TOO_SMALL),
    ],
)
def test_huge_and_tiny_exponents_are_refused_in_words(text, message):
    with pytest.raises(ValueRefused) as refused:
        parse_amount(text)

    assert str(refused.value) == message


def test_a_float_residue_is_an_amount_rounded_to_the_cent_not_a_refusal():
    # =0.1+0.2-0.3 saves 5.55E-17; Excel's CSV export writes it so: it is 0.00 to the cent.
    assert parse_amount(5.551115123125783e-17).quantize(Decimal("0.01")) == Decimal("0.00")
    assert parse_amount("5.55112E-17").quantize(Decimal("0.01")) == Decimal("0.00")
    assert parse_amount("1.23457E+11") == Decimal("123457000000")


def test_a_negative_zero_is_zero():
    assert str(parse_amount("(0.00)").quantize(Decimal("0.01"))) == "0.00"
    assert str(parse_amount("-0").quantize(Decimal("0.01"))) == "0.00"


def test_a_long_text_is_refused_without_being_scanned():
    with pytest.raises(ValueRefused, match="not a text of 200001 characters"):
        parse_amount("1 " * 100_000 + "1")
    assert len("EUR 999,999,999,999.99-") < MAX_AMOUNT_TEXT


@pytest.mark.parametrize("text", ["(-5)", "(\u22125)", "(5-)", "-(5)", "(€ -1,200.00)"])
def test_a_double_negative_is_refused_not_read_as_positive(text):
    with pytest.raises(ValueRefused, match="is negative twice, in parentheses and with a minus"):
        parse_amount(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("(5)", "-5"), ("-5", "-5"), ("5-", "-5"), ("(+5)", "-5"), ("+5", "5"), ("(€5)", "-5")],
)
def test_one_negative_sign_is_read(text, expected):
    assert parse_amount(text) == Decimal(expected)


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("2025-01-40", "January 2025 has 31 days"),
        ("2025-02-29", "February 2025 has 28 days"),
        ("2025/04/31", "April 2025 has 30 days"),
        ("2025-06-00", "June 2025 has 30 days"),
    ],
)
def test_a_date_that_does_not_exist_is_refused_as_such(text, days):
    with pytest.raises(DateRefused) as refused:
        parse_month(text)

    assert str(refused.value) == f"is not a real date ({days})"


def test_real_dates_give_their_month():
    assert parse_month("2024-02-29") == "2024-02"
    assert parse_month("2025-01-31 00:00:00") == "2025-01"
    assert parse_month(dt.date(2025, 1, 31)) == "2025-01"
