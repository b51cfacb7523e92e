import uuid
from datetime import timedelta

import pytest
import respx
from django.core.management import CommandError, call_command
from django.utils import timezone

from loans.models import Status
from tests.loans.conftest import BANK

pytestmark = pytest.mark.django_db


@respx.mock
def test_loans_poll_once_polls_what_is_due_and_prints_a_summary(application_factory, capsys):
    now = timezone.now()
    due = [
        application_factory(
            status=Status.PENDING, submitted_at=now, next_attempt_at=now - timedelta(seconds=1)
        )
        for _ in range(3)
    ]
    not_due = application_factory(status=Status.PENDING, next_attempt_at=now + timedelta(hours=1))
    outcomes = iter(["completed", "rejected", "pending"])

    def answer(request):
        import httpx

        return httpx.Response(
            200,
            json={
                "id": str(uuid.uuid4()),
                "status": next(outcomes),
                "application_id": request.url.params["application_id"],
            },
        )

    route = respx.get(f"{BANK}/api/jobs").mock(side_effect=answer)

    call_command("loans_poll", "--once")

    out = capsys.readouterr().out
    assert "polled 3: completed 1, pending 1, rejected 1" in out
    assert route.call_count == 3
    assert all(str(not_due.id) not in str(call.request.url) for call in route.calls)
    assert len(due) == 3


def test_loans_poll_without_once_is_a_readable_error():
    with pytest.raises(CommandError, match="--once"):
        call_command("loans_poll")
