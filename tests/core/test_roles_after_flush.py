import pytest
from django.contrib.auth.models import Group

from core.roles import Role


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("run", [1, 2])
def test_role_groups_exist_in_every_transactional_test(run):
    # Transactional tests flush every table between tests; the groups must come back.
    assert {role.group_name for role in Role} <= set(Group.objects.values_list("name", flat=True))
