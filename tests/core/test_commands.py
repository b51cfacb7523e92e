import io

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from rest_framework.authtoken.models import Token

from core.access import roles_needing_admin
from core.roles import Role, has_role

pytestmark = pytest.mark.django_db


def test_dev_users_are_admin_and_one_per_role(settings, capsys):
    settings.DEBUG = True

    call_command("create_dev_users")
    call_command("create_dev_users")  # idempotent

    User = get_user_model()
    admin = User.objects.get(username="admin")
    assert admin.is_superuser
    assert admin.is_staff
    assert admin.check_password("admin")
    for username, role in {"sales": Role.SALES_AGENT, "kamlead": Role.KEY_ACCOUNT_MANAGER_LEAD,
                           "risk": Role.RISK_ANALYST}.items():  # fmt: skip
        user = User.objects.get(username=username)
        assert has_role(user, role)
        assert user.check_password(username)
    assert User.objects.count() == 1 + len(Role)
    out = capsys.readouterr().out
    assert "kamlead" in out
    # One user per role, holding that role alone; staff (may open the admin) exactly when
    # the role's work needs the admin.
    needing_admin = roles_needing_admin()
    assert needing_admin, "no role needs the admin: the check below would prove nothing"
    assert needing_admin != set(Role)
    for role in Role:
        (user,) = User.objects.filter(groups__name=role.group_name, is_superuser=False)
        assert list(user.groups.values_list("name", flat=True)) == [role.group_name]
        assert user.is_staff is (role in needing_admin), (user.username, role)
        assert user.is_superuser is False
        assert (f"{role.label} (+ admin)" in out) is (role in needing_admin), role


def test_dev_users_lose_staff_and_other_roles_given_earlier(settings):
    """Re-running the command puts users of an earlier version back to their one role."""
    settings.DEBUG = True
    User = get_user_model()
    call_command("create_dev_users", stdout=io.StringIO())
    sales = User.objects.get(username="sales")
    sales.is_staff = sales.is_superuser = True
    sales.save()
    sales.groups.add(Group.objects.get(name=Role.SALES_MANAGER.group_name))

    call_command("create_dev_users", stdout=io.StringIO())

    sales.refresh_from_db()
    assert not sales.is_staff
    assert not sales.is_superuser
    assert list(sales.groups.values_list("name", flat=True)) == [Role.SALES_AGENT.group_name]


def test_dev_users_are_refused_outside_development(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="DEBUG is off"):
        call_command("create_dev_users")
    assert not get_user_model().objects.filter(username="admin").exists()


def test_drf_create_token_gives_a_working_token(user_factory, api_client, capsys):
    user = user_factory(username="integration-bot")

    call_command("drf_create_token", "integration-bot")

    token = Token.objects.get(user=user)
    assert token.key in capsys.readouterr().out
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert api_client.get("/api/me/").json()["username"] == "integration-bot"


def test_sync_schedules_reports_what_it_did(capsys):
    call_command("sync_schedules")

    assert "0 created, 0 updated, 0 removed" in capsys.readouterr().out


def test_demo_data_is_refused_outside_development(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError):
        call_command("load_demo_data")


class _Out:
    """A command's output stream that says whether it is a terminal."""

    def __init__(self, tty: bool) -> None:
        self.tty, self.text = tty, ""

    def write(self, text: str) -> None:
        self.text += text

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return self.tty


@pytest.mark.parametrize(
    ("tty", "in_logs", "drawn"), [(True, False, True), (False, False, False), (False, True, True)]
)
def test_progress_bars_draw_on_a_terminal_and_in_logs_only_when_asked(tty, in_logs, drawn):
    from django.core.management.base import OutputWrapper

    from core.commands import progress_bar

    out = _Out(tty)
    with progress_bar(OutputWrapper(out), total=4, unit="leads", in_logs=in_logs) as bar:
        bar.update(4)

    assert ("4/4" in out.text) is drawn
    assert "\n\r" not in out.text  # no newline added by Django between two redraws
