"""Demo applications in every status (`manage.py load_demo_data`, run by `make run`).

Decided and failed ones are written as they are; the `new` ones go to the simulated bank
when the worker starts, so `make run` shows them move to pending, then to a decision.
"""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from core.audit import audit_record
from loans.models import FailureCode, LoanAction, LoanApplication, Status
from loans.services import loan_application_create

DEMO = "loans.demo"

PEOPLE = [
    ("Ada", "Lovelace", "25000"),
    ("Alan", "Turing", "12000"),
    ("Grace", "Hopper", "8000"),
    ("Edsger", "Dijkstra", "40000"),
    ("Barbara", "Liskov", "15500"),
    ("Donald", "Knuth", "9900"),
    ("Margaret", "Hamilton", "60000"),
    ("Ken", "Thompson", "3000"),
    ("Frances", "Allen", "17250"),
    ("John", "Backus", "22000"),
    ("Radia", "Perlman", "5000"),
]
FINAL = [
    Status.COMPLETED,
    Status.COMPLETED,
    Status.REJECTED,
    Status.REJECTED,
    Status.FAILED,
    Status.FAILED,
    Status.COMPLETED,
    Status.REJECTED,
]


def load(stdout) -> None:
    if LoanApplication.objects.exists():
        stdout.write("loans: demo data already there")
        return
    now = timezone.now()
    for index, (first, last, amount) in enumerate(PEOPLE):
        email = f"{first}.{last}@example.com".lower()
        if index >= len(FINAL):
            # Goes to the bank when the worker runs.
            loan_application_create(
                first_name=first,
                last_name=last,
                email=email,
                amount=amount,
                currency="EUR",
                actor=DEMO,
            )
            continue
        status = FINAL[index]
        created = now - timedelta(days=len(PEOPLE) - index, hours=index)
        failure = {}
        if status == Status.FAILED:
            failure = (
                {
                    "failure_code": FailureCode.PAYLOAD_REJECTED,
                    "failure_reason": "The bank refused the application: the request payload is "
                    "not valid.",
                }
                if index % 2 == 0
                else {
                    "failure_code": FailureCode.UNKNOWN_AT_BANK,
                    "failure_reason": "The bank says this application does not exist (404). "
                    "Re-submit it from its page to send it again.",
                }
            )
        # Decided and failed ones are written as the bank would have left them.
        application = LoanApplication.objects.create(
            first_name=first,
            last_name=last,
            email=email,
            amount=Decimal(amount),
            currency="EUR",
            status=status,
            submitted_at=created + timedelta(seconds=1),
            decided_at=created + timedelta(seconds=15) if status != Status.FAILED else None,
            submit_attempts=1,
            poll_count=5,
            **failure,
        )
        LoanApplication.objects.filter(id=application.id).update(created_at=created)
        audit_record(
            obj=application,
            action=LoanAction.STATUS_CHANGED,
            actor=DEMO,
            changes={"status": {"from": Status.NEW, "to": status}},
            reason="demo data",
        )
    stdout.write(
        f"loans: {len(PEOPLE)} demo applications ({len(PEOPLE) - len(FINAL)} on "
        "their way to the bank)"
    )
