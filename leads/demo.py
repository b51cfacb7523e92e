"""Demo leads for `make run`: one per outcome the simulators produce (idempotent).

The national ids, names and birth dates mirror the simulators' demo population
(`simulators/registry.py`, `archives.py`, `scoring.py`); `tests/leads/test_cli_and_demo.py`
qualifies them against the real simulators and checks each lands where its note says.
"""

from __future__ import annotations

import datetime
import unicodedata

from django.contrib.auth import get_user_model
from django.db import transaction

from leads.models import Lead
from leads.services import lead_create


def nir(sex: int, birth: str, place: str, order: str) -> str:
    body = f"{sex}{birth[2:4]}{birth[5:7]}{place}{order}"
    return f"{body}{97 - int(body) % 97:02d}"


# (first name, last name, birth date, national id parts, expected outcome: why)
DEMO_LEADS = [
    ("Alice", "Martin", "1984-05-12", (2, "75116", "045"), "prospect: match, score 85"),
    ("Bruno", "Petit", "1979-11-03", (1, "69123", "210"), "rejected: score 42"),
    ("Camila", "Durand", "1991-07-21", (2, "33063", "118"), "rejected: first name (CAMILLE)"),
    ("Denis", "Morel", "1986-01-30", (1, "13055", "077"), "rejected: last name (MOREAU)"),
    ("Étienne", "Lefebvre", "1990-02-14", (1, "59350", "301"), "rejected: judicial records"),
    ("Fanny", "Garnier", "1975-09-19", (2, "31555", "012"), "rejected: birth date (09-09)"),
    ("Gilles", "Roux", "1982-03-17", (1, "67482", "099"), "rejected: score 60, not above 60"),
    ("Hélène", "Fournier", "1993-12-01", (2, "44109", "256"), "prospect: score 61, accents"),
    ("Ivan", "Bonnet", "1969-06-25", (1, "06088", "140"), "random: seeded random score"),
    ("Julie", "Lambert", "1988-10-05", (2, "35238", "033"), "needs review: archives down"),
    ("Karim", "Nasser", "1995-04-08", (1, "92050", "402"), "rejected: not in the registry"),
]


def demo_national_id(birth: str, parts: tuple[int, str, str]) -> str:
    sex, place, order = parts
    # Fanny's lead carries a wrong birth date; her number keeps the registry's (1975-09).
    return nir(sex, birth, place, order)


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def load(stdout) -> None:
    owner = get_user_model().objects.filter(username="sales").first()
    if owner is None:
        stdout.write("leads: no 'sales' user (run create_dev_users first); no demo leads")
        return
    created = 0
    with transaction.atomic():
        for first, last, birth, parts, _note in DEMO_LEADS:
            national_id = demo_national_id(birth, parts)
            if Lead.objects.filter(national_id=national_id).exists():
                continue
            lead_create(
                actor="leads.demo",
                owner_id=owner.pk,
                first_name=first,
                last_name=last,
                birth_date=datetime.date.fromisoformat(birth),
                national_id=national_id,
                email=_ascii(f"{first}.{last}@example.test".lower()),
                phone="+33 6 00 00 00 00",
            )
            created += 1
    stdout.write(f"leads: {created} demo leads created ({len(DEMO_LEADS)} in the demo set)")
