"""Reads of the key accounts app.

List selectors run a constant number of queries whatever the number of rows: per-account
figures are correlated subqueries (annotations) served by the indexes on
(restaurant, placed_at) and (restaurant, kind, occurred_at): the order figures are one
(a JSON object of filtered aggregates: each account's orders read once), the last call two,
the primary contact one more (a JSON object of its columns). `tests/kam/test_selectors.py`
and `test_api.py` assert the counts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db.models import (
    CharField,
    Count,
    F,
    JSONField,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import Cast, JSONObject
from django.utils import timezone

from core.selectors import search_words
from kam.access import User, is_kam_lead, works_on_accounts
from kam.models import (
    Band,
    Interaction,
    InteractionKind,
    Order,
    PointOfContact,
    Restaurant,
)
from kam.performance import Performance, Thresholds, performance_of
from kam.planning import DUE_GROUPS, due_group, due_window_end


def account_list(
    *,
    user: User,
    status: str | None = None,
    band: str | None = None,
    city: str | None = None,
    owner: int | None = None,
    search: str | None = None,
    ids: Collection[int] | None = None,
) -> QuerySet[Restaurant]:
    """The accounts `user` may see (every account for a KAM lead, their own for a KAM, none
    for anybody else), by name. `search`: words, each in the name, the city or the cuisine;
    `ids`: only these accounts (those the user may not see are left out)."""
    accounts = Restaurant.objects.select_related("owner")
    if not works_on_accounts(user):
        return accounts.none()
    if not is_kam_lead(user):
        accounts = accounts.filter(owner_id=user.pk)
    if owner is not None:
        accounts = accounts.filter(owner_id=owner)
    if ids is not None:
        accounts = accounts.filter(pk__in=ids)
    if status:
        accounts = accounts.filter(status=status)
    if band:
        accounts = accounts.filter(band=band)
    if city:
        accounts = accounts.filter(city__iexact=city)
    accounts = search_words(accounts, search, ["name", "city", "cuisine"])
    return accounts.order_by("name", "id")


def account_get(*, user: User, restaurant_id: int) -> Restaurant | None:
    return account_list(user=user).filter(pk=restaurant_id).first()


def _visible_accounts(user: User, restaurant: int | None):
    """The ids of the accounts `user` sees (a subquery), or of one of them."""
    accounts = account_list(user=user)
    if restaurant is not None:
        accounts = accounts.filter(pk=restaurant)
    return accounts.order_by().values("pk")


def contact_list(
    *,
    user: User,
    restaurant: int | None = None,
    is_primary: bool | None = None,
    search: str | None = None,
) -> QuerySet[PointOfContact]:
    """Contacts of the accounts `user` sees, account by account, the primary first;
    `search`: words, each in the name, the email or the phone."""
    contacts = PointOfContact.objects.filter(restaurant__in=_visible_accounts(user, restaurant))
    if is_primary is not None:
        contacts = contacts.filter(is_primary=is_primary)
    contacts = search_words(contacts, search, ["name", "email", "phone"])
    return contacts.order_by("restaurant_id", "-is_primary", "name", "id")


INTERACTION_COLUMNS = tuple(f.name for f in Interaction._meta.concrete_fields)
ORDER_COLUMNS = tuple(f.name for f in Order._meta.concrete_fields)


def interaction_list(
    *,
    user: User,
    restaurant: int | None = None,
    kind: str | None = None,
    outcome: str | None = None,
) -> QuerySet[Interaction]:
    """Calls, visits and emails of the accounts `user` sees, newest first."""
    interactions = (
        Interaction.objects.filter(restaurant__in=_visible_accounts(user, restaurant))
        .select_related("restaurant", "created_by")
        # A row shows its own columns, the account's next call and who logged it.
        .only(*INTERACTION_COLUMNS, "restaurant__next_call_due_at", "created_by__username")
    )
    if kind:
        interactions = interactions.filter(kind=kind)
    if outcome:
        interactions = interactions.filter(outcome=outcome)
    return interactions.order_by("-occurred_at", "-id")


def order_list(*, user: User, restaurant: int | None = None) -> QuerySet[Order]:
    """Orders of the accounts `user` sees, newest first."""
    return (
        Order.objects.filter(restaurant__in=_visible_accounts(user, restaurant))
        .select_related("created_by")
        .only(*ORDER_COLUMNS, "created_by__username")
        .order_by("-placed_at", "-id")
    )


# --- KAMs ----------------------------------------------------------------------------------


def kam_list(*, user: User) -> list:
    """The KAMs whose calls `user` may look at besides their own: for a KAM lead, everyone
    who owns an account, by username; nobody for anybody else."""
    if not is_kam_lead(user):
        return []
    return list(
        get_user_model()
        .objects.filter(kam_accounts__isnull=False)
        .distinct()
        .order_by("username")
        .only("id", "username")
    )


def kam_get(*, user: User, kam_id: int):
    """The user whose calls `user` asks for: anyone for a KAM lead, themselves otherwise;
    None when there is no such user (or not one `user` may look at)."""
    if kam_id == user.pk:
        return user
    if not is_kam_lead(user):
        return None
    return get_user_model().objects.filter(pk=kam_id).first()


# --- figures -------------------------------------------------------------------------------


#: What a list shows of a primary contact (`with_last_call` annotates them).
CONTACT_BRIEF = ("id", "name", "role", "phone", "email", "preferred_hours")
#: What a due call shows of its account (the API, the landing page, the reminder).
DUE_CALL_COLUMNS = ("id", "name", "city", "time_zone", "status", "band", "next_call_due_at")


def with_last_call(accounts: QuerySet[Restaurant]) -> QuerySet[Restaurant]:
    """Annotate each account with its last call (time, outcome) and its primary contact's
    columns (`primary_contact_brief`, one JSON object; None without a primary contact): one
    query whatever the number of accounts, and subqueries that a count leaves out."""
    last_call = Interaction.objects.filter(
        restaurant=OuterRef("pk"), kind=InteractionKind.CALL
    ).order_by("-occurred_at", "-id")
    contact = PointOfContact.objects.filter(restaurant=OuterRef("pk"), is_primary=True).order_by()
    return accounts.annotate(
        last_call_at=Subquery(last_call.values("occurred_at")[:1]),
        last_call_outcome=Subquery(last_call.values("outcome")[:1]),
        primary_contact_brief=Subquery(
            contact.values(brief=JSONObject(**{name: name for name in CONTACT_BRIEF}))[:1],
            output_field=JSONField(),
        ),
    )


@dataclass(frozen=True)
class OrderFigures:
    """An account's orders as `with_activity` reads them (`account.order_figures`)."""

    orders_30d: int = 0
    revenue_30d: Decimal = Decimal("0.00")
    orders_90d: int = 0
    revenue_90d: Decimal = Decimal("0.00")
    order_count: int = 0  # placed until now
    first_order_at: dt.datetime | None = None
    last_order_at: dt.datetime | None = None


NO_ORDERS = OrderFigures()
CENT = Decimal("0.01")


def _money(text: str | None) -> Decimal:
    # Sums travel as text (exact); SQLite's may carry float noise: cents, as Django rounds.
    return Decimal(text).quantize(CENT) if text is not None else Decimal("0.00")


def _instant(text: str | None) -> dt.datetime | None:
    if text is None:
        return None
    value = dt.datetime.fromisoformat(text)  # PostgreSQL: with its offset; SQLite: UTC, naive
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


class OrderFiguresField(JSONField):
    """The JSON object of `with_activity`'s order subquery, read as `OrderFigures`."""

    def from_db_value(self, value, expression, connection):
        figures = super().from_db_value(value, expression, connection)
        if not figures:  # no order at all: the subquery found no row
            return NO_ORDERS
        return OrderFigures(
            orders_30d=figures["orders_30d"] or 0,
            revenue_30d=_money(figures["revenue_30d"]),
            orders_90d=figures["orders_90d"] or 0,
            revenue_90d=_money(figures["revenue_90d"]),
            order_count=figures["order_count"] or 0,
            first_order_at=_instant(figures["first_order_at"]),
            last_order_at=_instant(figures["last_order_at"]),
        )


def with_activity(accounts: QuerySet[Restaurant], *, now: dt.datetime | None = None):
    """`with_last_call`, plus the order figures of each account (`order_figures`, an
    `OrderFigures`): one subquery per account reading its orders once through the
    (restaurant, placed_at) index, every figure an aggregate with its own filter (still one
    query for the whole list)."""
    now = now or timezone.now()
    last_30 = Q(placed_at__gt=now - dt.timedelta(days=30))
    last_90 = Q(placed_at__gt=now - dt.timedelta(days=90))
    history = Q(placed_at__lte=now)
    text = CharField()
    figures = (
        Order.objects.filter(restaurant=OuterRef("pk"))
        .order_by()
        .values("restaurant")
        .annotate(
            figures=JSONObject(
                orders_30d=Count("id", filter=last_30),
                revenue_30d=Cast(Sum("amount", filter=last_30), text),
                orders_90d=Count("id", filter=last_90),
                revenue_90d=Cast(Sum("amount", filter=last_90), text),
                order_count=Count("id", filter=history),
                first_order_at=Min("placed_at", filter=history),
                last_order_at=Max("placed_at", filter=history),
            )
        )
        .values("figures")[:1]
    )
    return with_last_call(accounts).annotate(
        order_figures=Subquery(figures, output_field=OrderFiguresField())
    )


def performance(
    account: Restaurant, *, now: dt.datetime | None = None, thresholds: Thresholds | None = None
) -> Performance:
    """The performance of an account annotated by `with_activity` (no query). A list passes
    one `now` and one `thresholds` for all its rows (one instant, settings read once)."""
    figures = getattr(account, "order_figures", None) or NO_ORDERS
    # OrderFigures' fields are performance_of's inputs, name for name.
    return performance_of(thresholds=thresholds, now=now or timezone.now(), **vars(figures))


def account_with_activity(*, user: User, restaurant_id: int) -> Restaurant | None:
    return with_activity(account_list(user=user)).filter(pk=restaurant_id).first()


def primary_contact(account: Restaurant) -> PointOfContact | None:
    """The account's primary contact: from `with_last_call`'s column when it has it (no
    query), else one query."""
    if hasattr(account, "primary_contact_brief"):
        brief = primary_contact_brief(account)
        if brief is None:
            return None
        return PointOfContact(restaurant_id=account.pk, is_primary=True, **brief)
    return account.contacts.filter(is_primary=True).first()


def primary_contact_brief(account: Restaurant) -> dict | None:
    """`with_last_call`'s primary contact as plain data, in `CONTACT_BRIEF` order (None: no
    primary contact, or the account was not read with it)."""
    brief = getattr(account, "primary_contact_brief", None)
    if brief is None:
        return None
    return {name: brief[name] for name in CONTACT_BRIEF}


# --- calls due -----------------------------------------------------------------------------


@dataclass
class DueCall:
    account: Restaurant
    group: str
    due_at: dt.datetime

    @property
    def local_due_at(self) -> dt.datetime:
        return self.due_at.astimezone(self.account.zone)


@dataclass
class CallsDue:
    now: dt.datetime
    overdue: list[DueCall] = field(default_factory=list)
    today: list[DueCall] = field(default_factory=list)
    next_seven_days: list[DueCall] = field(default_factory=list)

    def groups(self) -> list[tuple[str, list[DueCall]]]:
        return [(name, getattr(self, name)) for name in DUE_GROUPS]

    @property
    def total(self) -> int:
        return len(self.overdue) + len(self.today) + len(self.next_seven_days)


def calls_due(*, kam: User, now: dt.datetime | None = None) -> CallsDue:
    """The planned calls of `kam`'s own accounts, grouped by each ACCOUNT's local day:
    overdue (a day before today: it stays overdue until a call is logged), today, and the
    next seven days. Overdue first (oldest first), then by due time. Lost accounts have no
    planned call. One query (the accounts with their last call and primary contact)."""
    now = now or timezone.now()
    candidates = with_last_call(
        Restaurant.objects.filter(owner_id=kam.pk, next_call_due_at__lt=due_window_end(now)).only(
            *DUE_CALL_COLUMNS
        )
    ).order_by("next_call_due_at", "id")
    result = CallsDue(now=now)
    for account in candidates:
        group = due_group(account.next_call_due_at, now=now, zone=account.zone)
        if group is not None:
            getattr(result, group).append(DueCall(account, group, account.next_call_due_at))
    return result


def kams_with_due_calls(*, now: dt.datetime | None = None) -> list[int]:
    """Owners having at least one planned call up to tomorrow (for the daily reminder)."""
    now = now or timezone.now()
    return list(
        Restaurant.objects.filter(next_call_due_at__lt=now + dt.timedelta(days=2))
        .order_by("owner_id")
        .values_list("owner_id", flat=True)
        .distinct()
    )


# --- one account ---------------------------------------------------------------------------


def account_timeline(account: Restaurant, *, limit: int = 50) -> list:
    """Interactions and orders of an account, newest first (two queries)."""
    interactions = list(
        account.interactions.select_related("contact", "created_by").order_by(
            "-occurred_at", "-id"
        )[:limit]
    )
    orders = list(
        account.orders.select_related("contact", "created_by").order_by("-placed_at", "-id")[:limit]
    )
    items = [(i.occurred_at, "interaction", i) for i in interactions] + [
        (o.placed_at, "order", o) for o in orders
    ]
    items.sort(key=lambda item: item[0], reverse=True)
    return [{"at": at, "type": kind, "item": item} for at, kind, item in items[:limit]]


def order_pattern(account: Restaurant, *, days: int = 365, now: dt.datetime | None = None):
    """(placed_at, amount) of the account's orders over the last `days`, oldest first."""
    now = now or timezone.now()
    return list(
        account.orders.filter(placed_at__gt=now - dt.timedelta(days=days), placed_at__lte=now)
        .order_by("placed_at")
        .values_list("placed_at", "amount")
    )


# --- performance lists ---------------------------------------------------------------------


def performance_list(
    *,
    user: User,
    status: str | None = None,
    band: str | None = None,
    city: str | None = None,
    owner: int | None = None,
    search: str | None = None,
    now: dt.datetime | None = None,
) -> QuerySet[Restaurant]:
    """`account_list` with each account's live figures (`with_activity`), by name: filtered
    by the stored band like every other column."""
    accounts = account_list(
        user=user, status=status, band=band, city=city, owner=owner, search=search
    )
    # Every column of the account and the owner's username (`owner_username`), not the
    # owner's row.
    accounts = accounts.select_related(None).annotate(owner_username=F("owner__username"))
    return with_activity(accounts, now=now)


def accounts_performance(
    *, restaurant_ids: list[int], now: dt.datetime
) -> list[tuple[Restaurant, Performance]]:
    """Some accounts (whoever owns them) with their performance now: for the band updates
    of the services, without the primary contacts."""
    accounts = with_activity(Restaurant.objects.filter(pk__in=restaurant_ids), now=now)
    return [(account, performance(account, now=now)) for account in accounts.prefetch_related(None)]


def band_counts(*, user: User) -> dict[str, int]:
    counts = dict(account_list(user=user).order_by().values_list("band").annotate(n=Count("pk")))
    return {band.value: counts.get(band.value, 0) for band in Band}


def search_hits(*, user: User, text: str, limit: int) -> list:
    """The top bar's search: accounts by name, city or cuisine, or a contact's name, email
    or phone."""
    from django.urls import reverse

    from core.search import SearchHit

    accounts = account_list(user=user)
    by_contact = search_words(
        PointOfContact.objects.filter(restaurant__in=accounts.order_by().values("pk")),
        text,
        ["name", "email", "phone"],
    ).values("restaurant_id")
    found = search_words(accounts, text, ["name", "city", "cuisine"]) | accounts.filter(
        pk__in=by_contact
    )
    return [
        SearchHit(
            title=account.name,
            url=reverse("kam:account", args=[account.pk]),
            details=(account.city, account.get_status_display(), account.owner.get_username()),
        )
        for account in found.order_by("name", "pk")[:limit]
    ]
