"""Dashboard tiles: one per app, each filled by the app's own `dashboard.py`.

An app's `dashboard.py` defines `tile(request) -> Tile | None`; it is asked only when the
user may view the app (`core.access`), so a role sees the tiles of the apps it works in.
Each count of a tile links to the list it counts, filtered (`Stat.url`).
Apps appear in `DASHBOARD_APPS` order.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from importlib import import_module

from django.http import HttpRequest

from core.access import can

logger = logging.getLogger(__name__)

DASHBOARD_APPS = ("leads", "loans", "kam", "workflows", "evaluations")


@dataclass(frozen=True)
class Stat:
    """A figure of a tile; `url`: the list it counts, filtered (a click opens it)."""

    label: str
    value: str  # as people read it (`core.present.number_text`...)
    url: str | None = None


@dataclass(frozen=True)
class Tile:
    app: str
    title: str
    description: str
    url: str | None = None
    links: list[tuple[str, str]] = field(default_factory=list)
    stats: list[Stat] = field(default_factory=list)
    note: str = ""


def tiles_for(request: HttpRequest) -> list[Tile]:
    tiles = []
    for app in DASHBOARD_APPS:
        if not can(request.user, app, "view"):
            continue
        module = import_module(f"{app}.dashboard")
        tile = module.tile(request)
        if tile is not None:
            tiles.append(tile)
    return tiles
