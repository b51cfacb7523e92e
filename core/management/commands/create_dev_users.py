"""Create the development users: `admin` (superuser) and one demo user per role.

A user is staff (may open the admin) only when their role's work needs the admin
(`core.access.ADMIN_PERMISSIONS`); what they may do comes from the role alone.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError

from core.access import roles_needing_admin
from core.roles import Role

#: username -> role; each user's password is its username (development only).
DEV_USERS: dict[str, Role] = {
    "sales": Role.SALES_AGENT,
    "salesmanager": Role.SALES_MANAGER,
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
        admin, _ = User.objects.get_or_create(username="admin")
        admin.is_staff = admin.is_superuser = True
        admin.set_password("admin")
        admin.save()
        rows = [("admin", "admin", "superuser (every role, the whole admin)")]
        for username, role in DEV_USERS.items():
            user, _ = User.objects.get_or_create(username=username)
            user.set_password(username)
            user.is_staff = role in roles_needing_admin()
            user.is_superuser = False
            user.save()
            # Exactly this role: an earlier version of this command may have given others.
            user.groups.set([Group.objects.get(name=role.group_name)])
            admin_note = " (+ admin)" if user.is_staff else ""
            rows.append((username, username, f"{role.label}{admin_note}"))
        self.stdout.write("Development users (development only):")
        for username, password, role in rows:
            self.stdout.write(f"  {username:<13} password {password:<13} {role}")
