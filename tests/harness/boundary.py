"""Border values for the input boundary's property tests, and the checks every app runs.

Strategies (hypothesis): far and ancient dates and datetimes written with offsets of several
zones, NUL and control characters, huge and non-finite numbers, deep JSON. Checks:

- `check_write_operation(client, case)`: border values in each field of an API write
  (JSON and multipart): never a 5xx; a refusal leaves the database as it was; after an
  accepted one every row of our apps can still be loaded (a year-10000 datetime cannot);
- `check_control_characters_in_each_field(client, case)`: a control character in any field
  is a 400 naming that field, nothing written;
- `check_deep_json(client, case)`: 1,000+ levels and just over the limit: a 400;
- `check_page_form(client, case)`: the same border values through a page form: never a 5xx,
  a refusal (the form shown again, a 4xx, or a redirect with an error message) leaves the
  database as it was.

Keep them fast: a few dozen examples each, derandomized, no example database.
"""

from __future__ import annotations

import datetime as dt
import json
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import connection
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

OUR_APPS = ("core", "leads", "loans", "kam", "workflows", "evaluations")
ZONES = (
    "America/Los_Angeles",
    "Pacific/Kiritimati",
    "Pacific/Pago_Pago",
    "Asia/Kolkata",
    "UTC",
)
OFFSETS = ("", "Z", "+14:00", "-12:00", "+05:30", "-11:00", "+00:00")
CONTROL = [chr(c) for c in [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F, 0x85, 0x9F]]


def fast(examples: int = 30):
    """The settings of every boundary property test."""
    return hypothesis_settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )


# --- values -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Raw:
    """JSON text sent as is (a token `json.dumps` cannot write, e.g. `1e999`, 2,000 `[`)."""

    text: str


def deep(depth: int, *, kind: str = "list") -> Raw:
    if kind == "list":
        return Raw("[" * depth + "]" * depth)
    return Raw('{"a":' * depth + "1" + "}" * depth)


def _offset(moment: dt.datetime, zone: str) -> str:
    offset = moment.replace(tzinfo=zoneinfo.ZoneInfo(zone)).utcoffset() or dt.timedelta()
    minutes = int(offset.total_seconds() // 60)
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


EXTREME_MOMENTS = tuple(
    dt.datetime.fromisoformat(text)
    for text in (
        "0001-01-01T00:00",
        "0001-01-01T07:59",
        "9999-12-31T23:59:59",
        "9999-12-31T16:00",
        "1899-12-31T23:59",
        "1900-01-01T00:00",
        "2100-12-31T23:59",
        "2101-01-01T00:00",
    )
)


@st.composite
def moments(draw) -> dt.datetime:
    """Naive moments: the extremes, anything Python holds, and near now (within ~11 years,
    so the edges of every relative range are crossed)."""
    now = timezone.localtime().replace(tzinfo=None, microsecond=0)
    return draw(
        st.one_of(
            st.sampled_from(EXTREME_MOMENTS),
            st.datetimes(min_value=EXTREME_MOMENTS[0], max_value=EXTREME_MOMENTS[2]),
            st.integers(min_value=-4000 * 24, max_value=4000 * 24).map(
                lambda hours: now + dt.timedelta(hours=hours)
            ),
        )
    )


@st.composite
def datetime_texts(draw, *, local: bool = False) -> str:
    """ISO datetimes with an offset of one of ZONES or OFFSETS (`local`: none, minutes
    only, as a `datetime-local` input sends)."""
    moment = draw(moments())
    if local:
        return moment.strftime("%Y-%m-%dT%H:%M").rjust(16, "0")
    suffix = draw(
        st.one_of(
            st.sampled_from(OFFSETS),
            st.sampled_from(ZONES).map(lambda zone: _offset(moment, zone)),
        )
    )
    return moment.isoformat() + suffix


@st.composite
def date_texts(draw) -> str:
    today = timezone.localdate()
    return draw(
        st.one_of(
            st.sampled_from(
                [
                    "0001-01-01",
                    "9999-12-31",
                    "1899-12-31",
                    "1900-01-01",
                    "2100-12-31",
                    "2101-01-01",
                    "10000-01-01",
                    "0000-01-01",
                    "2024-02-30",
                    (today + dt.timedelta(days=1)).isoformat(),
                    today.isoformat(),
                ]
            ),
            st.dates().map(dt.date.isoformat),
        )
    )


def control_texts() -> st.SearchStrategy[str]:
    """Text holding at least one refused control character."""
    return st.tuples(st.text(max_size=8), st.sampled_from(CONTROL), st.text(max_size=8)).map(
        "".join
    )


#: Digits to str.isdigit(), not all of them to int(): "²" (a 500 in kam's ?kam= once).
ODD_DIGITS = ("²", "①", "٣", "\uff11\uff12", "¹⁰")
HUGE_NUMBERS = (
    1e308,
    -1e308,
    10**100,
    -(10**100),
    2**63,
    -(2**63) - 1,
    float("nan"),
    float("inf"),
    -0.0,
    "NaN",
    "Infinity",
    "-Infinity",
    "-0",
    "1e308",
    "9" * 400,
    Raw("1e999"),
    Raw("-1e999"),
)


def huge_numbers() -> st.SearchStrategy[Any]:
    return st.sampled_from(HUGE_NUMBERS)


def border_values() -> st.SearchStrategy[Any]:
    """Anything a client may send in one field."""
    return st.one_of(
        datetime_texts(),
        datetime_texts(local=True),
        date_texts(),
        control_texts(),
        huge_numbers(),
        st.sampled_from([None, True, [], {}, "", " ", "x" * 5_000, ["a\x00"], {"a\x00": 1}]),
        st.sampled_from(ODD_DIGITS),
        st.sampled_from([deep(40), deep(2_000), deep(33, kind="dict")]),
    )


# --- encoding -----------------------------------------------------------------------------


def json_text(body: Any) -> str:
    """JSON text of `body`, NaN/Infinity and `Raw` values written as they are."""
    raws: dict[str, str] = {}

    def default(value):
        if isinstance(value, Raw):
            marker = f"__raw_{len(raws)}__"
            raws[marker] = value.text
            return marker
        raise TypeError(type(value))

    text = json.dumps(body, default=default, allow_nan=True)
    for marker, raw in raws.items():
        text = text.replace(f'"{marker}"', raw)
    return text


def form_value(value: Any) -> Any:
    """A border value as a form or multipart field can carry it (text, or a list of texts)."""
    if isinstance(value, Raw):
        return value.text
    if value is None:
        return ""
    if isinstance(value, list):
        return [form_value(item) for item in value] or ""
    if isinstance(value, dict):
        return json.dumps(value)
    return str(value)


# --- the database -------------------------------------------------------------------------


def _our_models() -> list:
    return [
        model
        for label in OUR_APPS
        for model in apps.get_app_config(label).get_models()
        if not model._meta.proxy and model._meta.managed
    ]


def database_snapshot() -> dict[str, list[tuple]]:
    """Every row of our apps' tables, read with plain SQL (fast enough to take twice per
    example); compare two to see whether a request wrote anything."""
    snapshot = {}
    with connection.cursor() as cursor:
        for model in _our_models():
            table = connection.ops.quote_name(model._meta.db_table)
            pk = connection.ops.quote_name(model._meta.pk.column)
            cursor.execute(f"SELECT * FROM {table} ORDER BY {pk}")  # noqa: S608
            snapshot[model._meta.label] = cursor.fetchall()
    return snapshot


def assert_loadable() -> None:
    """Every row of our apps can be loaded by the ORM (a datetime of year 10000 cannot: the
    500s of issue 10 came from such a row)."""
    for model in _our_models():
        list(model._default_manager.values_list())


# --- API write operations -----------------------------------------------------------------


@dataclass
class WriteCase:
    """One API write operation with a body it accepts (fields are then replaced one at a
    time by border values)."""

    operation_id: str
    method: str
    path: str
    body: dict[str, Any] = field(default_factory=dict)
    formats: tuple[str, ...] = ("json", "multipart")
    #: Date inputs: field -> "date" or "datetime" (border values of that kind are sent).
    date_fields: dict[str, str] = field(default_factory=dict)
    #: Uploads sent with a multipart body (a new file each call).
    files: Callable[[], dict[str, Any]] | None = None

    def __str__(self) -> str:
        return self.operation_id


def send(client, case: WriteCase, body: Any, fmt: str = "json"):
    method = case.method.lower()
    if fmt == "json":
        text = body.text if isinstance(body, Raw) else json_text(body)
        return client.generic(method.upper(), case.path, text, content_type="application/json")
    data = {**(case.files() if case.files else {})}
    data.update({name: form_value(value) for name, value in body.items()})
    return getattr(client, method)(case.path, data, format="multipart")


def _fields(response) -> dict[str, list[str]]:
    try:
        return response.json()["error"]["fields"]
    except (ValueError, KeyError, TypeError):
        return {}


def assert_answer(response, before: dict, *, what: str) -> None:
    """No 5xx; a refusal changed nothing; every row can still be loaded."""
    assert response.status_code < 500, f"{what}: {response.status_code} {response.content[:500]}"
    if response.status_code >= 400:
        after = database_snapshot()
        assert after == before, f"{what}: refused ({response.status_code}) but the data changed"
    else:
        assert_loadable()


def check_write_operation(client, case: WriteCase, *, examples: int = 30) -> None:
    names = [*case.body, "unexpected_field"]

    @given(
        name=st.sampled_from(names),
        value=border_values(),
        fmt=st.sampled_from(case.formats),
    )
    @fast(examples)
    def run(name, value, fmt):
        if fmt != "json" and isinstance(value, Raw) and value.text.startswith(("[", "{")):
            fmt = "json"
        before = database_snapshot()
        response = send(client, case, {**case.body, name: value}, fmt)
        assert_answer(response, before, what=f"{case} {name}={value!r} ({fmt})")

    run()


def check_dates_of_operation(
    client, case: WriteCase, *, examples: int = 30, accepted: Callable | None = None
) -> None:
    """Border dates in each date field: accepted ones are stored in range, refused ones
    are a 400 on that field."""
    if not case.date_fields:
        return
    names = list(case.date_fields)

    @given(
        name=st.sampled_from(names),
        data=st.data(),
    )
    @fast(examples)
    def run(name, data):
        kind = case.date_fields[name]
        value = data.draw(date_texts() if kind == "date" else datetime_texts())
        before = database_snapshot()
        response = send(client, case, {**case.body, name: value}, case.formats[0])
        assert_answer(response, before, what=f"{case} {name}={value!r}")
        if response.status_code == 400 and name in _fields(response):
            return
        if response.status_code < 300 and accepted is not None:
            accepted(response, name, value)

    run()


def check_control_characters_in_each_field(client, case: WriteCase) -> None:
    others = ("tab\tok \x1b[31m", "\x85", "\x7f", "\x0b")
    for fmt in case.formats:
        for index, name in enumerate([*case.body, "unexpected_field"]):
            for bad in ("a\x00b", others[index % len(others)]):
                before = database_snapshot()
                response = send(client, case, {**case.body, name: bad}, fmt)
                what = f"{case} {name}={bad!r} ({fmt})"
                assert response.status_code == 400, f"{what}: {response.status_code}"
                assert name in _fields(response), f"{what}: {response.content[:300]}"
                assert database_snapshot() == before, what


def check_deep_json(client, case: WriteCase) -> None:
    limit = settings.BOUNDARY_JSON_MAX_DEPTH
    for body in (
        deep(1_000),
        deep(100_000),
        deep(limit + 1, kind="dict"),
        Raw(json_text({**case.body, "nested": deep(limit + 5)})),
    ):
        before = database_snapshot()
        response = send(client, case, body)
        assert response.status_code == 400, f"{case}: {response.status_code}"
        assert response.json()["error"]["code"] == "parse_error"
        assert database_snapshot() == before


# --- page forms ---------------------------------------------------------------------------


@dataclass
class PageCase:
    """A page form and input it accepts (`files`: uploads sent with it)."""

    name: str
    url: str
    data: dict[str, Any]
    files: Callable[[], dict[str, Any]] | None = None
    #: Fields to leave out of the border examples (e.g. a hidden idempotency key).
    skip: tuple[str, ...] = ()
    #: Who posts it (signed in before each example); None: the client as it is.
    user: Any = None
    #: Run before each example: put the record back in the state the form acts on (e.g. a
    #: failed application for "re-submit"), so every example meets the form's real work.
    before: Callable[[], None] | None = None

    def __str__(self) -> str:
        return self.name

    @property
    def view_name(self) -> str:
        """The URL pattern's name ("kam:reassign"): what `PAGE_FORMS` of each app's
        tests/<app>/test_boundary.py lists, and tests/core/test_boundary_pages.py checks
        against every page that accepts a POST."""
        from django.urls import resolve

        return resolve(self.url.split("?", 1)[0]).view_name


def page_cases_by_view(cases) -> dict[str, PageCase]:
    return {case.view_name: case for case in cases}


def _post(client, case: PageCase, data: dict[str, Any]):
    payload = {name: form_value(value) for name, value in data.items()}
    if case.files:
        payload.update(case.files())
    if case.user is not None:
        client.force_login(case.user)
    # Only this request's messages are read back (a refused redirect says so in one).
    client.cookies.pop("messages", None)
    return client.post(case.url, payload)


def _redirect_refused(response) -> bool:
    """A redirect whose page will show an error message: the form refused the input (pages
    that answer a post with a redirect and a message, e.g. resubmit, quick call)."""
    from django.contrib.messages import ERROR, get_messages

    return any(message.level >= ERROR for message in get_messages(response.wsgi_request))


def _form_errors(response) -> dict[str, list[str]]:
    """The form's errors; for a page that redirects with its errors as messages
    ("field: message"), those."""
    if response.status_code == 302:
        from django.contrib.messages import get_messages

        errors: dict[str, list[str]] = {}
        for message in get_messages(response.wsgi_request):
            name, _, text = str(message).partition(": ")
            errors.setdefault(name, []).append(text)
        return errors
    context = getattr(response, "context", None)
    form = context.get("form") if context else None
    return dict(form.errors) if form is not None and form.is_bound else {}


def check_page_form_accepts_its_base_input(client, case: PageCase) -> None:
    """The case's own input is accepted (a redirect without an error), so the border
    examples vary input the form really takes."""
    if case.before is not None:
        case.before()
    response = _post(client, case, case.data)
    errors = _form_errors(response) if response.status_code != 302 else {}
    assert response.status_code == 302, f"{case}: {response.status_code} {errors}"
    assert not _redirect_refused(response), f"{case}: refused: {_form_errors(response)}"


def check_page_form(client, case: PageCase, *, examples: int = 30) -> None:
    names = [name for name in case.data if name not in case.skip]

    @given(
        name=st.sampled_from(names),
        value=st.one_of(border_values(), datetime_texts(local=True), date_texts()),
    )
    @fast(examples)
    def run(name, value):
        if case.before is not None:
            case.before()
        before = database_snapshot()
        response = _post(client, case, {**case.data, name: value})
        what = f"{case} {name}={value!r}"
        assert response.status_code < 500, f"{what}: {response.status_code}"
        if response.status_code != 302 or _redirect_refused(response):
            after = database_snapshot()
            assert after == before, f"{what}: not accepted ({response.status_code}) but written"
        else:
            assert_loadable()

    run()


def check_page_form_control_characters(client, case: PageCase, keep: str) -> None:
    """A control character in each field: a form error on that field, the database as it
    was, and the other input (`keep`, a field of the case) still on the form."""
    for name in case.data:
        if name in case.skip or name == keep:
            continue
        if case.before is not None:
            case.before()
        before = database_snapshot()
        response = _post(client, case, {**case.data, name: "a\x00b\x1b"})
        what = f"{case} {name}"
        assert response.status_code in (200, 302, 400), f"{what}: {response.status_code}"
        errors = _form_errors(response)
        assert name in errors, f"{what}: {errors}"
        assert "control character" in " ".join(errors[name]), f"{what}: {errors[name]}"
        assert database_snapshot() == before, what
        if response.status_code != 302:
            assert str(case.data[keep]) in response.text, f"{what}: the other input was lost"
