"""Schemathesis over our own OpenAPI schema: no generated request may cause a 5xx.

Every app's endpoints join this automatically as they are added to the schema.
"""

import hypothesis
import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error

pytestmark = pytest.mark.django_db


@pytest.fixture
def api_token(user_factory) -> str:
    user = user_factory(username="fuzzer", is_superuser=True, is_staff=True)
    return Token.objects.create(user=user).key


@pytest.fixture
def wsgi_app():
    """The real WSGI app, without closing the test's database connection after each request
    (Django's own test client disconnects the same signal handler)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield get_wsgi_application()
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def api_schema(api_token, wsgi_app):
    return schemathesis.openapi.from_wsgi(
        "/api/schema/?format=json",
        wsgi_app,
        headers={"Authorization": f"Token {api_token}"},
    )


def test_no_request_causes_a_server_error(api_schema, api_token):
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert operations, "the schema has no operation to fuzz"
    headers = {"Authorization": f"Token {api_token}"}

    for operation in operations:

        @hypothesis.given(case=operation.as_strategy())
        @hypothesis.settings(
            max_examples=25,
            deadline=None,
            suppress_health_check=list(hypothesis.HealthCheck),
            derandomize=True,
            database=None,
        )
        def fuzz(case):
            case.call_and_validate(headers=headers, checks=[not_a_server_error])

        fuzz()
