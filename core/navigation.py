"""The top navigation: one link per app the signed-in user may work in."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest
from django.urls import reverse
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class NavLink:
    app: str
    label: str
    url: str


#: (app, label, URL name, "module.function(user) -> bool" or None for every signed-in user)
APP_LINKS = (
    ("leads", "Leads", "leads:pipeline", "leads.access.works_on_leads"),
    ("loans", "Loans", "loans:list", "loans.permissions.can_view_loans"),
    ("kam", "Key accounts", "kam:today", "kam.access.works_on_accounts"),
    ("workflows", "Workflows", "workflows:list", "workflows.permissions.can_use_workflows"),
    ("evaluations", "Evaluations", "evaluations:list", None),
)


def nav_links(request: HttpRequest) -> list[NavLink]:
    if not request.user.is_authenticated:
        return []
    return [
        NavLink(app=app, label=label, url=reverse(url_name))
        for app, label, url_name, check in APP_LINKS
        if check is None or import_string(check)(request.user)
    ]
