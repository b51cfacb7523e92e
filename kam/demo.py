"""Demo key accounts for `make run` (idempotent: nothing is added once accounts exist).

Four KAMs in different time zones (the dev user `kam` in Paris with accounts in Paris, Mumbai
and Los Angeles, plus `kam.mumbai`, `kam.la`, `kam.london`; password = username, development
only), 320 restaurants, contacts, a year of calls and orders shaped so every health band is
present, and planned calls spread over overdue, today and the next days. Generated with a
seeded `random.Random` and bulk_create so it takes about a second.
"""

from __future__ import annotations

import datetime as dt
import random
import unicodedata
import zoneinfo
from decimal import Decimal

import phonenumbers
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from core.roles import Role
from core.selectors import user_time_zone
from core.services import user_time_zone_set
from kam.models import (
    CallOutcome,
    Interaction,
    LeadStatus,
    Order,
    PointOfContact,
    Restaurant,
    Rhythm,
    Segment,
)
from kam.services import performance_snapshot_take

SEED = 7
# city, country, time zone, currency, phone prefix (national significant number start)
PARIS, KOLKATA, LA, LONDON = "Europe/Paris", "Asia/Kolkata", "America/Los_Angeles", "Europe/London"
CITIES = {
    "paris": [("Paris", "FR", PARIS, "EUR", "+336"), ("Lyon", "FR", PARIS, "EUR", "+337")],
    "mumbai": [("Mumbai", "IN", KOLKATA, "INR", "+9198"),
               ("Bengaluru", "IN", KOLKATA, "INR", "+9197")],
    "la": [("Los Angeles", "US", LA, "USD", "+1213"), ("San Francisco", "US", LA, "USD", "+1415")],
    "london": [("London", "GB", LONDON, "GBP", "+4474"),
               ("Manchester", "GB", LONDON, "GBP", "+4475")],
}  # fmt: skip
# username, time zone, regions of its accounts, number of accounts
KAMS = [
    ("kam", "Europe/Paris", ["paris", "mumbai", "la"], 80),
    ("kam.mumbai", "Asia/Kolkata", ["mumbai"], 80),
    ("kam.la", "America/Los_Angeles", ["la"], 80),
    ("kam.london", "Europe/London", ["london", "paris"], 80),
]
WORDS_A = ["Le", "La", "Chez", "The", "Casa", "Maison", "Spice", "Golden", "Blue", "Little"]
WORDS_B = ["Bistro", "Table", "Kitchen", "Garden", "Tandoor", "Grill", "Brasserie", "Diner",
           "Trattoria", "Canteen", "Oven", "Harbour"]  # fmt: skip
CUISINES = ["French", "Indian", "Italian", "Californian", "British", "Japanese", "Mexican", "Vegan"]
FIRST = ["Marie", "Arjun", "Sofia", "James", "Priya", "Lucas", "Emma", "Ravi", "Chloé", "Noah"]
LAST = ["Martin", "Sharma", "Garcia", "Smith", "Patel", "Dubois", "Brown", "Iyer", "Moreau"]
STREETS = ["Main", "High", "Market", "Station"]
ROLES = ["owner", "general_manager", "procurement", "chef", "accounts"]
# target band -> weight
PROFILES = [("well", 3), ("steady", 4), ("at_risk", 2), ("under", 2), ("new", 1)]


def _phone(rng: random.Random, prefix: str) -> str:
    for _ in range(100):
        country_code = phonenumbers.parse(prefix + "0" * 8, None).country_code
        length = {1: 10, 33: 9, 44: 10, 91: 10}[country_code]
        national = prefix[1 + len(str(country_code)) :]
        digits = national + "".join(rng.choice("0123456789") for _ in range(length - len(national)))
        number = phonenumbers.parse(f"+{country_code}{digits}", None)
        if phonenumbers.is_valid_number(number):
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return ""


def _kams(stdout) -> list:
    User = get_user_model()
    group = Group.objects.get(name=Role.KEY_ACCOUNT_MANAGER.group_name)
    users = []
    for username, zone, regions, count in KAMS:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User.objects.create_user(username=username, password=username)
            stdout.write(f"kam: created KAM {username} (password {username}, development only)")
        user.groups.add(group)
        if not user_time_zone(user):  # where the KAM works from, unless they chose already
            user_time_zone_set(user=user, time_zone=zone)
        users.append((user, regions, count))
    return users


def _orders(
    rng, profile: str, now: dt.datetime, currency: str
) -> list[tuple[dt.datetime, Decimal]]:
    if profile == "new":
        return [(now - dt.timedelta(days=rng.uniform(1, 20)), _amount(rng))] * rng.randint(0, 1)
    interval = rng.uniform(5, 18)
    start = now - dt.timedelta(days=365)
    stop_days_ago = {
        "well": rng.uniform(0, 0.5) * interval,
        "steady": rng.uniform(0, 0.8) * interval,
        "at_risk": rng.uniform(1.8, 2.6) * interval,
        "under": rng.uniform(3.5, 6) * interval,
    }[profile]
    stop = now - dt.timedelta(days=stop_days_ago)
    orders, at = [], start
    while at < stop:
        orders.append((at, _amount(rng)))
        step = interval
        if profile == "well" and at > now - dt.timedelta(days=100):
            step = interval / 2.2  # ordering much more than usual lately
        at += dt.timedelta(days=step * rng.uniform(0.8, 1.2))
    if orders:
        orders[-1] = (stop, orders[-1][1])
    return orders


def _email(text: str) -> str:
    """A valid address for a name like Chloé: written with bulk_create, the demo bypasses the
    validation every other way in applies (the API promises an `email` format)."""
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


def _amount(rng) -> Decimal:
    return Decimal(rng.randrange(8_000, 250_000)) / 100


def load(stdout) -> None:
    if Restaurant.objects.exists():
        stdout.write("kam: demo data already there")
        return
    if not get_user_model().objects.filter(username="kam").exists():
        stdout.write("kam: no 'kam' user (run create_dev_users first); no demo accounts")
        return
    rng = random.Random(SEED)  # noqa: S311 - demo data, not security
    now = timezone.now()
    with transaction.atomic():
        kams = _kams(stdout)
        restaurants, plans = [], []
        for user, regions, count in kams:
            for i in range(count):
                city, country, zone, currency, prefix = rng.choice(
                    CITIES[regions[i % len(regions)]]
                )
                profile = rng.choices([p for p, _ in PROFILES], [w for _, w in PROFILES])[0]
                weekly = rng.random() < 0.3
                status = LeadStatus.ACTIVE
                if profile == "new":
                    status = rng.choice([LeadStatus.NEW, LeadStatus.CONTACTED, LeadStatus.QUALIFIED,
                                         LeadStatus.ONBOARDING])  # fmt: skip
                elif profile == "under" and rng.random() < 0.3:
                    status = LeadStatus.INACTIVE
                # Planned calls: some overdue, some today, most in the coming weeks.
                due_in_days = rng.choice([-9, -4, -2, -1, 0, 0, 0, 1, 2, 3, 5, 6, 8, 12, 20])
                tz = zoneinfo.ZoneInfo(zone)
                local_day = now.astimezone(tz).date() + dt.timedelta(days=due_in_days)
                hour = rng.choice([9, 10, 11, 14, 15, 16])
                due = dt.datetime.combine(local_day, dt.time(hour), tzinfo=tz)
                restaurants.append(
                    Restaurant(
                        name=f"{rng.choice(WORDS_A)} {rng.choice(WORDS_B)} {city} {i + 1}",
                        address=f"{rng.randint(1, 200)} {rng.choice(STREETS)} Street",
                        city=city,
                        country=country,
                        time_zone=zone,
                        cuisine=rng.choice(CUISINES),
                        segment=rng.choice(Segment.values),
                        currency=currency,
                        owner=user,
                        status=status,
                        rhythm=Rhythm.WEEKLY if weekly else Rhythm.EVERY_N_DAYS,
                        call_every_days=rng.choice([7, 10, 14, 21, 28]),
                        call_weekdays="".join(sorted(rng.sample("01234", 2))) if weekly else "",
                        call_hour=hour,
                        next_call_due_at=due.astimezone(dt.UTC),
                        created_at=now - dt.timedelta(days=400),
                    )
                )
                plans.append((profile, prefix))
        Restaurant.objects.bulk_create(restaurants, batch_size=500)
        restaurants = list(Restaurant.objects.order_by("pk"))
        contacts, interactions, orders = [], [], []
        for restaurant, (profile, prefix) in zip(restaurants, plans, strict=True):
            for n in range(rng.randint(1, 3)):
                first, last = rng.choice(FIRST), rng.choice(LAST)
                contacts.append(
                    PointOfContact(
                        restaurant=restaurant,
                        name=f"{first} {last}",
                        role=ROLES[n] if n else "owner",
                        phone=_phone(rng, prefix),
                        email=_email(f"{first}.{last}{restaurant.pk}@example.test"),
                        preferred_hours=rng.choice(
                            ["", "10:00-11:30", "14:00-16:00", "after 15:00"]
                        ),
                        is_primary=n == 0,
                    )
                )
            for placed_at, amount in _orders(rng, profile, now, restaurant.currency):
                orders.append(Order(restaurant=restaurant, amount=amount,
                                    currency=restaurant.currency, placed_at=placed_at))  # fmt: skip
            at = now - dt.timedelta(days=365)
            while at < now - dt.timedelta(days=3):
                outcome = rng.choices(CallOutcome.values, [6, 2, 1, 1])[0]
                interactions.append(
                    Interaction(
                        restaurant=restaurant,
                        kind="call",
                        outcome=outcome,
                        occurred_at=at,
                        details=rng.choice(
                            [
                                "",
                                "Talked about the new menu.",
                                "Asked for a sample.",
                                "Prices discussed.",
                                "Call back next week.",
                            ]
                        ),
                    )
                )
                if rng.random() < 0.08:
                    kind = rng.choice(["visit", "email"])
                    extra = Interaction(restaurant=restaurant, kind=kind, outcome="",
                                        occurred_at=at + dt.timedelta(days=1))  # fmt: skip
                    interactions.append(extra)
                at += dt.timedelta(days=restaurant.call_every_days * rng.uniform(0.8, 1.3))
        PointOfContact.objects.bulk_create(contacts, batch_size=1000)
        Order.objects.bulk_create(orders, batch_size=2000)
        Interaction.objects.bulk_create(interactions, batch_size=2000)
    snapshots = performance_snapshot_take(now=now)
    stdout.write(
        f"kam: {len(restaurants)} demo accounts for {len(kams)} KAMs, {len(contacts)} contacts, "
        f"{len(orders)} orders, {len(interactions)} interactions; {snapshots} snapshots"
    )
