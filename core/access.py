"""Who may do what: one role table (role x app x action), declared once, read by everything.

The API permission class (`RolePermission`), the page guard (`requires`), the navigation, the
dashboard tiles, the admin (model permissions carried by the role groups, and admin actions)
and each app's `access.py` all read `ACCESS` below; nothing else decides. `is_staff` only
means "may open the admin"; what the admin then shows comes from the role's model permissions
(`ADMIN_PERMISSIONS`). Superusers (administrators) hold every role.

A grant has a scope: `ALL` (every record of the app) or `OWN` (the records the user owns,
e.g. a sales agent's leads, a KAM's accounts); another user's record is then answered as if
it did not exist (404), so its existence is not revealed.

The README's role table is generated from this module (`role_table_markdown()`) and a test
keeps the two equal.
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied
from rest_framework.permissions import SAFE_METHODS, BasePermission

from core.roles import Role, user_roles

User = AbstractBaseUser | AnonymousUser


class Scope(enum.IntEnum):
    NONE = 0
    OWN = 1
    ALL = 2


OWN, ALL = Scope.OWN, Scope.ALL


@dataclass(frozen=True)
class Action:
    name: str
    description: str
    grants: Mapping[Role, Scope]


@dataclass(frozen=True)
class AppAccess:
    app: str
    label: str
    actions: tuple[Action, ...]
    by_name: dict[str, Action] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_name", {action.name: action for action in self.actions})


_R = Role
_EVERY_ROLE = dict.fromkeys(Role, ALL)

# fmt: off
ACCESS: dict[str, AppAccess] = {app.app: app for app in (
    AppAccess("leads", "Leads", (
        Action("view", "see leads, their checks and qualification runs",
               {_R.SALES_AGENT: OWN, _R.SALES_MANAGER: ALL}),
        Action("create", "create a lead (it is theirs)",
               {_R.SALES_AGENT: ALL, _R.SALES_MANAGER: ALL}),
        Action("change", "edit and delete a lead",
               {_R.SALES_AGENT: OWN, _R.SALES_MANAGER: ALL}),
        Action("qualify", "qualify a lead (one or many)",
               {_R.SALES_AGENT: OWN, _R.SALES_MANAGER: ALL}),
        Action("assign", "give a lead to another sales agent",
               {_R.SALES_MANAGER: ALL}),
    )),
    AppAccess("loans", "Loans", (
        Action("view", "see loan applications and their history",
               {_R.LOAN_OFFICER: ALL, _R.ANALYST: ALL, _R.RISK_ANALYST: ALL}),
        Action("create", "create a loan application (sent to the bank)",
               {_R.LOAN_OFFICER: ALL}),
        Action("resubmit", "re-submit a failed application, poll the bank now",
               {_R.LOAN_OFFICER: ALL}),
    )),
    AppAccess("kam", "Key accounts", (
        Action("view", "see accounts, contacts, calls, orders, calls due, performance",
               {_R.KEY_ACCOUNT_MANAGER: OWN, _R.KEY_ACCOUNT_MANAGER_LEAD: ALL}),
        Action("create", "create an account (theirs unless a lead gives it to a KAM)",
               {_R.KEY_ACCOUNT_MANAGER: ALL, _R.KEY_ACCOUNT_MANAGER_LEAD: ALL}),
        Action("change", "edit an account, its status and contacts; log calls and orders",
               {_R.KEY_ACCOUNT_MANAGER: OWN, _R.KEY_ACCOUNT_MANAGER_LEAD: ALL}),
        Action("reassign", "give accounts to another KAM",
               {_R.KEY_ACCOUNT_MANAGER_LEAD: ALL}),
    )),
    AppAccess("workflows", "Workflows", (
        Action("view", "see workflows and every run",
               {_R.LOAN_OFFICER: ALL, _R.ANALYST: ALL, _R.RISK_ANALYST: ALL}),
        Action("start", "start a run and fill in its steps (a definition may narrow who)",
               {_R.LOAN_OFFICER: ALL, _R.ANALYST: ALL, _R.RISK_ANALYST: ALL}),
        Action("manage", "see the definition files the last sync refused",
               {}),
    )),
    AppAccess("evaluations", "Supplier evaluations", (
        Action("view", "see supplier evaluations, their scores and history",
               _EVERY_ROLE),
        Action("evaluate", "evaluate a company, re-evaluate one",
               {_R.ANALYST: ALL, _R.RISK_ANALYST: ALL}),
    )),
    AppAccess("system", "System", (
        Action("metrics", "read the operational metrics (/metrics)",
               {}),
    )),
)}

#: The Django model permissions each role's group carries: the admin pages and actions that
#: belong to its job, nothing else. A role listed here needs `is_staff` to open the admin.
#: Synced into the groups after every migrate (code owns them, like the periodic tasks).
ADMIN_PERMISSIONS: dict[Role, tuple[str, ...]] = {
    _R.SALES_MANAGER: (
        "leads.view_lead", "leads.change_lead", "leads.view_qualificationrun",
    ),
    _R.LOAN_OFFICER: (
        "loans.view_loanapplication", "loans.change_loanapplication",
    ),
    _R.KEY_ACCOUNT_MANAGER_LEAD: (
        "kam.view_restaurant", "kam.change_restaurant", "kam.view_pointofcontact",
        "kam.view_interaction", "kam.view_order", "kam.view_performancesnapshot",
        "kam.view_callreminder",
    ),
}
# fmt: on


def roles_needing_admin() -> set[Role]:
    return {role for role, permissions in ADMIN_PERMISSIONS.items() if permissions}


# --- questions ---------------------------------------------------------------------------------


def _action(app: str, action: str) -> Action:
    try:
        return ACCESS[app].by_name[action]
    except KeyError:
        raise LookupError(f"no action {app}.{action} in core.access.ACCESS") from None


def scope(user: User | None, app: str, action: str = "view") -> Scope:
    """How far `user` may do `action` in `app`: ALL, OWN (their records) or NONE."""
    granted = _action(app, action)
    if user is None or not user.is_authenticated or not user.is_active:
        return Scope.NONE
    if getattr(user, "is_superuser", False):
        return Scope.ALL
    return max(
        (granted.grants.get(role, Scope.NONE) for role in user_roles(user)), default=Scope.NONE
    )


def can(user: User | None, app: str, action: str = "view", *, owner_id: int | None = None) -> bool:
    """May `user` do `action` in `app` (on a record owned by `owner_id`, when given)?"""
    level = scope(user, app, action)
    if owner_id is None or level is Scope.ALL:
        return level is not Scope.NONE
    return level is Scope.OWN and owner_id == user.pk


def roles_for(app: str, action: str = "view") -> list[Role]:
    return [role for role in Role if role in _action(app, action).grants]


def who_may(app: str, action: str = "view") -> str:
    """'sales agents and sales managers': who holds the action, for messages."""
    names = [role.plural for role in roles_for(app, action)]
    if not names:
        return "administrators"
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + " and " + names[-1]


def denial_message(app: str, action: str = "view") -> str:
    access = ACCESS[app]
    what = _action(app, action).description
    if action == "view":
        return f"{access.label} are for {who_may(app, action)}."
    return f"Only {who_may(app, action)} may {what}."


def users_who_can(app: str, action: str, *, active: bool = True):
    """Users who hold `action` in `app` (through a role, or as superusers)."""
    from django.contrib.auth import get_user_model
    from django.db.models import Q

    names = [role.group_name for role in roles_for(app, action)]
    users = get_user_model().objects.filter(Q(groups__name__in=names) | Q(is_superuser=True))
    if active:
        users = users.filter(is_active=True)
    return users.distinct().order_by("username")


# --- the page guard and the API permission -----------------------------------------------------


def requires(app: str, action: str = "view") -> Callable:
    """Page guard: the view answers 403 (the site's page, saying who may) unless the signed-in
    user may do `action` in `app`. Put it outermost, above `require_POST` and friends, so a
    refused user gets 403 whatever the method."""

    _action(app, action)  # fail at import time on a typo

    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def guarded(request, *args, **kwargs):
            if not can(request.user, app, action):
                raise PermissionDenied(denial_message(app, action))
            return view(request, *args, **kwargs)

        guarded.access_requirement = (app, action)  # read by the persona-matrix test
        return guarded

    return decorator


def signed_in(view: Callable) -> Callable:
    """Marks a page any signed-in user may open (the login middleware already enforces it)."""
    view.access_requirement = ("", "signed_in")
    return view


class RolePermission(BasePermission):
    """DRF permission reading the view's `access_app` and `access_actions`.

    `access_actions` maps a viewset action (`create`, `qualify`...) or an HTTP method
    (`POST`...) to an action of the app. Safe methods default to "view"; any other method
    that is not mapped is refused (closed by default)."""

    def has_permission(self, request, view) -> bool:
        if not request.user or not request.user.is_authenticated:
            return False  # DRF answers 401 with WWW-Authenticate
        app, action = requirement_of(view, request.method)
        if action is None or not can(request.user, app, action):
            self.message = (
                denial_message(app, action) if action else "This method is not allowed here."
            )
            return False
        return True


def requirement_of(view, method: str) -> tuple[str, str | None]:
    """The (app, action) a DRF view requires for `method` (and its viewset action)."""
    app = view.access_app
    actions: Mapping[str, str] = getattr(view, "access_actions", {})
    viewset_action = getattr(view, "action", None)
    if viewset_action and viewset_action in actions:
        return app, actions[viewset_action]
    if method in actions:
        return app, actions[method]
    if method in SAFE_METHODS:
        return app, "view"
    return app, None


# --- admin --------------------------------------------------------------------------------------


def sync_role_permissions(*, using: str = "default") -> None:
    """Make each role group's model permissions exactly `ADMIN_PERMISSIONS` (code owns them:
    give someone more through another group, not by editing a role's group)."""
    from django.apps import apps as global_apps
    from django.contrib.auth.management import create_permissions
    from django.contrib.auth.models import Group

    wanted_apps = {name.split(".", 1)[0] for names in ADMIN_PERMISSIONS.values() for name in names}
    for label in sorted(wanted_apps):
        create_permissions(global_apps.get_app_config(label), verbosity=0, using=using)
    for role in Role:
        group, _ = Group.objects.using(using).get_or_create(name=role.group_name)
        wanted = _permissions(ADMIN_PERMISSIONS.get(role, ()), using=using)
        current = set(group.permissions.all())
        if current != set(wanted):
            group.permissions.set(wanted)


def _permissions(names: Iterable[str], *, using: str) -> list:
    from django.contrib.auth.models import Permission

    permissions = []
    for name in names:
        app_label, codename = name.split(".", 1)
        found = Permission.objects.using(using).filter(
            content_type__app_label=app_label, codename=codename
        )
        permission = found.first()
        if permission is None:
            raise LookupError(f"core.access.ADMIN_PERMISSIONS names an unknown permission {name}")
        permissions.append(permission)
    return permissions


# --- documentation ------------------------------------------------------------------------------


def role_table_markdown() -> str:
    """The README's role table: one row per app action, one column per role, then the admin
    pages each role's group carries."""
    roles = list(Role)
    header = "| app | action | " + " | ".join(role.label for role in roles) + " | Administrator |"
    rule = "|---|---|" + "|".join(":---:" for _ in roles) + "|:---:|"
    marks = {Scope.ALL: "all", Scope.OWN: "own"}
    lines = [header, rule]
    for access in ACCESS.values():
        for action in access.actions:
            cells = [marks.get(action.grants.get(role, Scope.NONE), "") for role in roles]
            lines.append(
                f"| {access.label} | {action.description} | " + " | ".join(cells) + " | all |"
            )
    needing = roles_needing_admin()
    cells = ["yes" if role in needing else "" for role in roles]
    lines.append("| Admin | opens the admin (`is_staff`) | " + " | ".join(cells) + " | yes |")
    lines += ["", "| role | admin pages (model permissions of its group) |", "|---|---|"]
    for role in roles:
        if role in needing:
            names = ", ".join(f"`{name}`" for name in ADMIN_PERMISSIONS[role])
            lines.append(f"| {role.label} | {names} |")
    lines.append("| Administrator | every page (superuser) |")
    return "\n".join(lines)
