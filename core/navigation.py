"""The top navigation: one link per app the signed-in user may work in."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest
from django.urls import reverse

from core.access import can


@dataclass(frozen=True)
class NavLink:
    app: str
    label: str
    url: str


#: (app, label, URL name); shown to whoever may view the app (core.access)
APP_LINKS = (
    ("leads", "Leads", "leads:pipeline"),
    ("loans", "Loans", "loans:list"),
    ("kam", "Key accounts", "kam:today"),
    ("workflows", "Workflows", "workflows:list"),
    ("evaluations", "Evaluations", "evaluations:list"),
)


def nav_links(request: HttpRequest) -> list[NavLink]:
    if not request.user.is_authenticated:
        return []
    return [
        NavLink(app=app, label=label, url=reverse(url_name))
        for app, label, url_name in APP_LINKS
        if can(request.user, app, "view")
    ]
