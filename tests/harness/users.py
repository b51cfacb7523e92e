"""Users with roles, and API clients authenticated as them."""

from __future__ import annotations

import factory
import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from core.roles import Role


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.test")
    password = factory.django.Password("correct horse battery staple")

    @factory.post_generation
    def roles(self, create: bool, roles: list[Role] | None, **kwargs) -> None:
        if create and roles:
            self.groups.add(*Group.objects.filter(name__in=[r.group_name for r in roles]))


@pytest.fixture
def user_factory(db):
    return UserFactory


@pytest.fixture
def staff_user(db):
    return UserFactory(username="staff", is_staff=True)


@pytest.fixture
def api_client() -> APIClient:
    """Anonymous API client."""
    return APIClient()


@pytest.fixture
def token_client(db):
    """`token_client(user)` -> an APIClient sending that user's token."""

    def make(user) -> APIClient:
        client = APIClient()
        token, _ = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client

    return make
