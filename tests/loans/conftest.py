import factory
import pytest

from core.roles import Role
from loans.models import LoanApplication, Status

BANK = "http://bank.test"


class LoanApplicationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LoanApplication

    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda a: f"{a.first_name}.{a.last_name}@example.com".lower())
    amount = factory.Faker(
        "pydecimal", left_digits=5, right_digits=2, min_value=100, max_value=50000
    )
    currency = "EUR"
    status = Status.NEW


@pytest.fixture(autouse=True)
def _bank_settings(settings):
    settings.BANK_API_URL = BANK
    settings.LOANS_BANK_TIMEOUT = 2.0
    settings.LOANS_BANK_TRANSPORT = "httpx"  # respx mocks httpx's own transport


@pytest.fixture(autouse=True)
def _no_dispatch_requested():
    """Each test starts with no prompt submission dispatch requested (see loans.services)."""
    from loans.services.dispatch import DISPATCH_REQUESTED

    DISPATCH_REQUESTED.clear()
    yield
    DISPATCH_REQUESTED.clear()


@pytest.fixture
def application_factory(db):
    return LoanApplicationFactory


@pytest.fixture
def officer(user_factory):
    return user_factory(username="officer", roles=[Role.LOAN_OFFICER])


@pytest.fixture
def officer_api(officer, token_client):
    return token_client(officer)


@pytest.fixture
def valid_input():
    return {
        "first_name": "Ada",
        "last_name": "Lovelace",
        "email": "ada@example.com",
        "amount": "15000.00",
        "currency": "EUR",
    }
