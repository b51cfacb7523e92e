"""The role table: questions it answers, the groups' model permissions, the README's copy."""

from pathlib import Path

import pytest
from django.contrib.auth.models import AnonymousUser, Group, Permission

from core.access import (
    ACCESS,
    ADMIN_PERMISSIONS,
    ALL,
    OWN,
    Scope,
    can,
    denial_message,
    role_table_markdown,
    scope,
    sync_role_permissions,
    users_who_can,
    who_may,
)
from core.roles import Role

pytestmark = pytest.mark.django_db

README = Path(__file__).resolve().parents[2] / "README.md"


def test_scope_comes_from_the_roles_and_the_highest_grant_wins(user_factory):
    agent = user_factory(roles=[Role.SALES_AGENT])
    both = user_factory(roles=[Role.SALES_AGENT, Role.SALES_MANAGER])

    assert scope(agent, "leads", "view") is OWN
    assert scope(both, "leads", "view") is ALL
    assert scope(agent, "loans", "view") is Scope.NONE


def test_the_admin_flag_grants_nothing(user_factory):
    staff = user_factory(is_staff=True)

    assert all(
        scope(staff, app, action.name) is Scope.NONE
        for app, access in ACCESS.items()
        for action in access.actions
    )


def test_superusers_hold_every_action_and_anonymous_and_inactive_users_none(user_factory):
    root = user_factory(is_superuser=True)
    gone = user_factory(roles=[Role.LOAN_OFFICER], is_active=False)

    assert can(root, "kam", "reassign")
    assert can(root, "workflows", "manage")
    assert not can(AnonymousUser(), "evaluations", "view")
    assert not can(gone, "loans", "view")


def test_own_scope_is_checked_against_the_owner(user_factory):
    kam = user_factory(roles=[Role.KEY_ACCOUNT_MANAGER])
    lead = user_factory(roles=[Role.KEY_ACCOUNT_MANAGER_LEAD])

    assert can(kam, "kam", "change", owner_id=kam.pk)
    assert not can(kam, "kam", "change", owner_id=lead.pk)
    assert can(lead, "kam", "change", owner_id=kam.pk)


def test_an_unknown_action_is_a_programming_error():
    with pytest.raises(LookupError, match=r"no action leads\.fly"):
        scope(AnonymousUser(), "leads", "fly")


def test_messages_say_who_may():
    assert who_may("kam", "reassign") == "key-account manager leads"
    assert who_may("loans", "view") == "loan officers, analysts and risk analysts"
    assert who_may("workflows", "manage") == "administrators"
    assert denial_message("leads") == "Leads are for sales agents and sales managers."
    assert denial_message("loans", "create") == (
        "Only loan officers may create a loan application (sent to the bank)."
    )


def test_users_who_can(user_factory):
    kam = user_factory(username="k", roles=[Role.KEY_ACCOUNT_MANAGER])
    root = user_factory(username="r", is_superuser=True)
    user_factory(username="s", roles=[Role.SALES_AGENT])
    user_factory(username="x", roles=[Role.KEY_ACCOUNT_MANAGER], is_active=False)

    assert list(users_who_can("kam", "change")) == [kam, root]


def test_role_groups_carry_exactly_the_declared_model_permissions():
    for role in Role:
        group = Group.objects.get(name=role.group_name)
        names = {
            f"{p.content_type.app_label}.{p.codename}"
            for p in group.permissions.select_related("content_type")
        }
        assert names == set(ADMIN_PERMISSIONS.get(role, ())), role


def test_the_sync_puts_back_what_was_changed_by_hand():
    group = Group.objects.get(name=Role.LOAN_OFFICER.group_name)
    group.permissions.add(Permission.objects.get(codename="delete_loanapplication"))
    group.permissions.remove(Permission.objects.get(codename="change_loanapplication"))
    Group.objects.filter(name=Role.SALES_MANAGER.group_name).delete()

    sync_role_permissions()

    codenames = set(group.permissions.values_list("codename", flat=True))
    assert codenames == {"view_loanapplication", "change_loanapplication"}
    assert Group.objects.filter(name=Role.SALES_MANAGER.group_name).exists()


def test_the_readme_role_table_is_the_one_in_the_code():
    text = README.read_text()

    assert role_table_markdown() in text, (
        "README.md's role table differs from core.access: paste the output of "
        "`python manage.py role_table` into the README's section 'Roles and access'"
    )
