"""Create the development users: `admin` (superuser) and one demo user per role."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError

from core.roles import Role

#: username -> role; each user's password is its username (development only).
DEV_USERS: dict[str, Role] = {
    "sales": Role.SALES_AGENT,
    "loans": Role.LOAN_OFFICER,
    "kam": Role.KEY_ACCOUNT_MANAGER,
    "kamlead": Role.KEY_ACCOUNT_MANAGER_LEAD,
    "analyst": Role.ANALYST,
    "risk": Role.RISK_ANALYST,
}


class Command(BaseCommand):
    help = "Create admin/admin and one demo user per role (refuses to run unless DEBUG)."

    def handle(self, *args, **options) -> None:
        if not settings.DEBUG:
            raise CommandError("refusing to create users with known passwords: DEBUG is off")
        User = get_user_model()
        admin, _ = User.objects.get_or_create(
            username="admin", defaults={"is_staff": True, "is_superuser": True}
        )
        admin.is_staff = admin.is_superuser = True
        admin.set_password("admin")
        admin.save()
        rows = [("admin", "admin", "superuser")]
        for username, role in DEV_USERS.items():
            user, _ = User.objects.get_or_create(username=username, defaults={"is_staff": True})
            user.set_password(username)
            user.save()
            user.groups.add(Group.objects.get(name=role.group_name))
            rows.append((username, username, role.label))
        self.stdout.write("Development users (development only):")
        for username, password, role in rows:
            self.stdout.write(f"  {username:<10} password {password:<10} {role}")
