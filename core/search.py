"""The top bar's search: one box that finds leads, loan applications, key accounts,
evaluations and workflow customers.

Each app answers for itself with `search_hits(user=..., text=..., limit=...)` in its
selectors, starting from its own list selector, so a hit is only ever something the person
may see (the role table in `core.access`; a KAM finds their own accounts, not another
KAM's). An app the person may not view is not asked at all.

The form posts (with its CSRF token): names, emails and national ids typed into it never
appear in a URL, a browser's history or an access log.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import import_module

from core.access import User, can

#: At most this many hits per app on the results page.
HITS_PER_APP = 20
#: Shorter searches match too much to be useful.
MIN_LENGTH = 2
MAX_LENGTH = 200

#: (app, label) in the order the results page shows them; `<app>.selectors.search_hits`.
SOURCES = (
    ("leads", "Leads"),
    ("loans", "Loan applications"),
    ("kam", "Key accounts"),
    ("evaluations", "Supplier evaluations"),
    ("workflows", "Workflow customers"),
)


@dataclass(frozen=True)
class SearchHit:
    title: str
    url: str
    details: tuple[str, ...] = ()


@dataclass
class SearchGroup:
    app: str
    label: str
    hits: list[SearchHit] = field(default_factory=list)
    more: bool = False  # there were more than HITS_PER_APP


def _source(app: str) -> Callable[..., list[SearchHit]]:
    return import_module(f"{app}.selectors").search_hits


def search_everything(*, user: User, text: str) -> list[SearchGroup]:
    """The groups of hits for `text`, one per app the user may view (empty groups included,
    so the page can say where it looked)."""
    text = " ".join((text or "").split())[:MAX_LENGTH]
    groups = []
    for app, label in SOURCES:
        if not can(user, app, "view"):
            continue
        group = SearchGroup(app=app, label=label)
        if len(text) >= MIN_LENGTH:
            hits = _source(app)(user=user, text=text, limit=HITS_PER_APP + 1)
            group.hits, group.more = hits[:HITS_PER_APP], len(hits) > HITS_PER_APP
        groups.append(group)
    return groups
