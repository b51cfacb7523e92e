"""Request ids: one per request or task, in the response header, on every log line, in every
API error body and on the error pages."""

import logging
import re

import pytest
from django.contrib.auth.decorators import login_not_required
from django.test import override_settings
from django.urls import path
from hypothesis import given
from hypothesis import strategies as st

from core.request_id import (
    HEADER,
    NO_REQUEST_ID,
    RequestIdLogFilter,
    accept_request_id,
    current_request_id,
    request_id_scope,
    task_finished,
    task_started,
)

logger = logging.getLogger("tests.request_id")


@login_not_required
def _logs_and_answers(request):
    from django.http import JsonResponse

    logger.warning("serving %s", request.path)
    return JsonResponse({"request_id": current_request_id()})


urlpatterns = [path("probe/", _logs_and_answers)]


def test_a_sane_incoming_id_is_kept_and_anything_else_replaced():
    assert accept_request_id("3f9c2a7b-1d4e-5f60-aaaa-000000000000") == (
        "3f9c2a7b-1d4e-5f60-aaaa-000000000000"
    )
    assert accept_request_id("lb:req.123_abc") == "lb:req.123_abc"
    for insane in (None, "", "short", "x" * 129, "abc def ghi", "id\nFAKE LOG LINE", "é" * 10):
        replaced = accept_request_id(insane)
        assert replaced != insane
        assert re.fullmatch(r"[0-9a-f]{16}", replaced)


@given(st.text(max_size=200))
def test_whatever_arrives_the_id_is_safe_for_headers_and_logs(value):
    request_id = accept_request_id(value)

    assert 8 <= len(request_id) <= 128
    assert re.fullmatch(r"[A-Za-z0-9._:-]+", request_id)


@override_settings(ROOT_URLCONF=__name__)
def test_each_request_gets_an_id_in_the_header_and_on_its_log_lines(client, caplog):
    with caplog.at_level("WARNING", logger="tests.request_id"):
        first = client.get("/probe/")
        second = client.get("/probe/")

    ids = [first[HEADER], second[HEADER]]
    assert ids[0] != ids[1]
    assert [first.json()["request_id"], second.json()["request_id"]] == ids
    assert [record.request_id for record in caplog.records] == ids
    assert current_request_id() == ""  # nothing leaks out of the request


@override_settings(ROOT_URLCONF=__name__)
def test_an_incoming_id_is_used_end_to_end(client, caplog):
    with caplog.at_level("WARNING", logger="tests.request_id"):
        response = client.get("/probe/", HTTP_X_REQUEST_ID="proxy-7f3a9c01")

    assert response[HEADER] == "proxy-7f3a9c01"
    assert caplog.records[0].request_id == "proxy-7f3a9c01"


def test_the_log_format_shows_the_id(settings):
    formatter = logging.Formatter(settings.LOGGING["formatters"]["plain"]["format"])
    record = logging.LogRecord("x", logging.WARNING, __file__, 1, "hello", None, None)
    log_filter = RequestIdLogFilter()

    log_filter.filter(record)
    assert f"[{NO_REQUEST_ID}] x: hello" in formatter.format(record)

    record = logging.LogRecord("x", logging.WARNING, __file__, 1, "hello", None, None)
    with request_id_scope("abcdef0123456789"):
        log_filter.filter(record)
    assert "[abcdef0123456789] x: hello" in formatter.format(record)
    assert "request_id" in settings.LOGGING["handlers"]["console"]["filters"]


def test_a_task_logs_under_its_task_id():
    task_started(task_id="d7c1c6c4-1111-2222-3333-444455556666")
    try:
        assert current_request_id() == "d7c1c6c4-1111-2222-3333-444455556666"
    finally:
        task_finished(task_id="d7c1c6c4-1111-2222-3333-444455556666")
    assert current_request_id() == ""


def test_a_scope_reuses_the_current_id_or_makes_one():
    with request_id_scope() as outer:
        assert len(outer) == 16
        with request_id_scope() as inner:
            assert inner == outer
    assert current_request_id() == ""


@pytest.mark.django_db
def test_api_errors_carry_the_request_id(api_client):
    response = api_client.get("/api/me/", HTTP_X_REQUEST_ID="client-supplied-01")

    assert response.status_code == 401
    assert response.json()["error"]["request_id"] == "client-supplied-01"
    assert response[HEADER] == "client-supplied-01"


@pytest.mark.django_db
def test_the_schema_documents_request_id_in_the_error_shape(client, user_factory):
    client.force_login(user_factory(username="schema-reader"))

    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()

    error = schema["components"]["schemas"]["ErrorDetail"]
    assert "request_id" in error["properties"]
    assert "request_id" in error["required"]


@pytest.mark.django_db
def test_django_s_4xx_log_line_written_after_the_middleware_still_has_the_id(client, caplog):
    with caplog.at_level("WARNING", logger="django.request"):
        response = client.get("/no-such-page/")

    [record] = [r for r in caplog.records if r.name == "django.request"]
    RequestIdLogFilter().filter(record)  # what the console handler does
    assert record.getMessage() == "Not Found: /no-such-page/"
    assert record.request_id == response[HEADER]
