"""Through a real Celery worker and the real simulators over a socket."""

import datetime

import pytest

from leads.models import CheckStatus, Lead, QualificationRun, RunStatus, Stage
from tests.harness.waiting import wait_until

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

# Alice is in the simulators' demo population: registry match, no records, score 85.
ALICE = {
    "first_name": "Alice",
    "last_name": "Martin",
    "birth_date": datetime.date(1984, 5, 12),
    "national_id": "284057511604514",
}


def finished(run_id: int):
    def done():
        run = QualificationRun.objects.get(pk=run_id)
        return run if run.status == RunStatus.DONE else None

    return done


def test_the_api_qualifies_through_the_worker_with_overlapping_checks(
    live_worker, simulators, token_client, agent, lead_factory
):
    simulators.configure("registry", latency_ms=300)
    simulators.configure("archives", latency_ms=500)
    simulators.configure("scoring", latency_ms=200)
    lead = lead_factory(owner=agent, **ALICE)

    response = token_client(agent).post(f"/api/leads/{lead.pk}/qualify/")
    assert response.status_code == 202

    run = wait_until(finished(response.json()["id"]), timeout=30, message="run done")
    lead.refresh_from_db()
    assert (run.outcome, run.score, lead.stage) == (Stage.PROSPECT, 85, Stage.PROSPECT)
    registry, archives, scoring = run.check_list
    assert registry.latency_ms >= 300
    assert archives.latency_ms >= 500
    # The checks overlap: each started before the other finished...
    assert registry.started_at < archives.finished_at
    assert archives.started_at < registry.finished_at
    # ...so together they took about the slower one, well under their sum (800 ms).
    span = max(registry.finished_at, archives.finished_at) - min(
        registry.started_at, archives.started_at
    )
    assert span < datetime.timedelta(milliseconds=300 + 500)
    # Then the score, after both.
    assert scoring.started_at >= max(registry.finished_at, archives.finished_at)


def test_each_check_is_recorded_as_it_finishes(
    live_worker, simulators, token_client, agent, lead_factory
):
    simulators.configure("registry", latency_ms=50)
    simulators.configure("archives", latency_ms=1500)
    lead = lead_factory(owner=agent, **ALICE)

    response = token_client(agent).post(f"/api/leads/{lead.pk}/qualify/")
    assert response.status_code == 202, response.json()
    run_id = response.json()["id"]

    def registry_done_archives_pending():
        run = QualificationRun.objects.get(pk=run_id)
        registry, archives, _ = run.check_list
        return (registry.status, archives.status) == ("passed", "pending")

    wait_until(registry_done_archives_pending, timeout=30, message="registry shown first")
    run = wait_until(finished(run_id), timeout=30)
    assert run.checks_by_system()["archives"].status == CheckStatus.PASSED


def test_a_system_down_ends_in_review_not_rejection(
    live_worker, simulators, token_client, agent, lead_factory
):
    simulators.configure("archives", error_rate=1)
    lead = lead_factory(owner=agent, **ALICE)

    response = token_client(agent).post(f"/api/leads/{lead.pk}/qualify/")
    assert response.status_code == 202, response.json()
    run_id = response.json()["id"]

    run = wait_until(finished(run_id), timeout=30)
    assert run.outcome == Stage.NEEDS_REVIEW
    assert run.checks_by_system()["archives"].status == CheckStatus.UNAVAILABLE
    assert Lead.objects.get(pk=lead.pk).stage == Stage.NEEDS_REVIEW
    # People read a sentence; the worker's log has the detail under the run's reference: the
    # id of the request that started it (passed into the task), which is what support is given.
    assert run.reasons == ["the judicial archives did not answer (HTTP 503)"]
    assert run.reference == response["X-Request-ID"]

    def logged_line():
        return [line for line in live_worker.log().splitlines() if f"[{run.reference}]" in line]

    lines = wait_until(logged_line, timeout=10, message="the worker's log line")
    assert any(
        "answered 503" in line and f"national_id={ALICE['national_id']}" in line for line in lines
    ), lines
