"""Factories and personas of the leads tests."""

from __future__ import annotations

import datetime

import factory
import pytest
from django.contrib.auth.models import Group

from core.roles import Role
from leads.models import Lead
from tests.harness.users import UserFactory


def make_nir(serial: int, *, sex: int = 1, birth: datetime.date | None = None) -> str:
    """A valid French NIR (the default NATIONAL_ID_COUNTRY) unique per `serial`."""
    birth = birth or datetime.date(1980, 1, 1)
    body = f"{sex}{birth:%y%m}75{serial // 1000 % 1000:03d}{serial % 1000:03d}"
    return f"{body}{97 - int(body) % 97:02d}"


class LeadFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Lead

    first_name = "Ada"
    last_name = factory.Sequence(lambda n: f"Lovelace{n}")
    birth_date = datetime.date(1980, 1, 1)
    national_id = factory.Sequence(lambda n: make_nir(n + 1))
    email = factory.LazyAttribute(lambda lead: f"{lead.last_name.lower()}@example.test")
    phone = "+33 6 12 34 56 78"
    owner = factory.SubFactory(
        UserFactory, username=factory.Sequence(lambda n: f"agent{n}"), roles=[Role.SALES_AGENT]
    )


@pytest.fixture
def role_groups(db):
    """The role groups come from a data migration, which a transactional test's flush
    empties: make sure they exist."""
    for role in Role:
        Group.objects.get_or_create(name=role.group_name)


@pytest.fixture
def lead_factory(role_groups):
    return LeadFactory


@pytest.fixture
def agent(role_groups):
    return UserFactory(username="sales-ann", roles=[Role.SALES_AGENT])


@pytest.fixture
def other_agent(role_groups):
    return UserFactory(username="sales-bob", roles=[Role.SALES_AGENT])


@pytest.fixture
def manager(role_groups):
    return UserFactory(username="manager-sue", roles=[Role.SALES_MANAGER])


@pytest.fixture
def outsider(role_groups):
    """Signed in, but not in sales: a loan officer."""
    return UserFactory(username="loans-lou", roles=[Role.LOAN_OFFICER])
