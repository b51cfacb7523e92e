"""Factories and personas of the key accounts tests."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory
import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from core.roles import Role
from kam.models import Interaction, Order, PointOfContact, Restaurant
from tests.harness.users import UserFactory


class RestaurantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Restaurant

    name = factory.Sequence(lambda n: f"Bistro {n}")
    address = "1 rue de la Paix"
    city = "Paris"
    country = "FR"
    time_zone = "Europe/Paris"
    cuisine = "French"
    currency = "EUR"
    owner = factory.SubFactory(
        UserFactory,
        username=factory.Sequence(lambda n: f"kam{n}"),
        roles=[Role.KEY_ACCOUNT_MANAGER],
    )
    status = "active"
    next_call_due_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=3))


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PointOfContact

    restaurant = factory.SubFactory(RestaurantFactory)
    name = factory.Sequence(lambda n: f"Contact {n}")
    role = "owner"
    phone = "+33612345678"
    email = factory.Sequence(lambda n: f"contact{n}@example.test")


class InteractionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Interaction

    restaurant = factory.SubFactory(RestaurantFactory)
    kind = "call"
    outcome = "connected"
    occurred_at = factory.LazyFunction(timezone.now)


class OrderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Order

    restaurant = factory.SubFactory(RestaurantFactory)
    amount = Decimal("100.00")
    currency = "EUR"
    placed_at = factory.LazyFunction(timezone.now)


@pytest.fixture
def role_groups(db):
    """Role groups exist after migrate; a transactional test's flush empties them."""
    for role in Role:
        Group.objects.get_or_create(name=role.group_name)


@pytest.fixture
def kam(role_groups):
    return UserFactory(username="kam-ann", roles=[Role.KEY_ACCOUNT_MANAGER])


@pytest.fixture
def other_kam(role_groups):
    return UserFactory(username="kam-bob", roles=[Role.KEY_ACCOUNT_MANAGER])


@pytest.fixture
def kam_lead(role_groups):
    return UserFactory(username="kam-lea", roles=[Role.KEY_ACCOUNT_MANAGER_LEAD])


@pytest.fixture
def outsider(role_groups):
    """Signed in, but not in key accounts: a loan officer."""
    return UserFactory(username="loans-lou", roles=[Role.LOAN_OFFICER])


@pytest.fixture
def restaurant_factory(role_groups):
    return RestaurantFactory


@pytest.fixture
def account(kam):
    return RestaurantFactory(owner=kam, name="Chez Ann")


@pytest.fixture
def contact(account):
    return ContactFactory(restaurant=account, is_primary=True, name="Marie Curie")
