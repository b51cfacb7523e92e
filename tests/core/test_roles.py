import pytest
from django.contrib.auth.models import AnonymousUser, Group

from core.roles import Role, has_role, user_roles


@pytest.mark.django_db
def test_every_role_is_a_group_created_by_migration():
    names = set(Group.objects.values_list("name", flat=True))

    assert {role.group_name for role in Role} <= names
    assert len(Role) == 7


@pytest.mark.django_db
def test_has_role_follows_group_membership(user_factory):
    kam = user_factory(roles=[Role.KEY_ACCOUNT_MANAGER])

    assert has_role(kam, Role.KEY_ACCOUNT_MANAGER)
    assert has_role(kam, Role.ANALYST, Role.KEY_ACCOUNT_MANAGER)
    assert not has_role(kam, Role.KEY_ACCOUNT_MANAGER_LEAD)
    assert user_roles(kam) == {Role.KEY_ACCOUNT_MANAGER}


@pytest.mark.django_db
def test_superusers_hold_every_role_and_anonymous_none(user_factory):
    root = user_factory(is_superuser=True)

    assert all(has_role(root, role) for role in Role)
    assert not has_role(AnonymousUser(), Role.ANALYST)
    assert user_roles(AnonymousUser()) == set()
