"""Qualification runs by decision and the latency of each external check (core.metrics)."""

from __future__ import annotations

import pytest
import respx
from prometheus_client import REGISTRY

from leads.services import qualification_run_execute, qualification_start

pytestmark = pytest.mark.django_db

BASE = "http://systems.test"


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


@pytest.fixture
def systems(settings):
    settings.REGISTRY_API_URL = settings.ARCHIVES_API_URL = settings.SCORING_API_URL = BASE
    with respx.mock(assert_all_called=False) as mock:
        mock.get(url__regex=rf"{BASE}/api/registry/persons/\d+").respond(
            200,
            json={
                "national_id": "x",
                "first_name": "ADA",
                "last_name": "LOVELACE0",
                "birth_date": "1980-01-01",
            },
        )
        mock.archives = mock.get(f"{BASE}/api/archives/records")
        mock.archives.respond(200, json={"records": []})
        mock.post(f"{BASE}/api/scoring/scores").respond(200, json={"score": 75})
        yield mock


def run(lead):
    started = qualification_start(lead_id=lead.pk, requested_by=None, source="cli", enqueue=False)
    return qualification_run_execute(run_id=started.run.pk)


def test_a_prospect_counts_its_decision_and_each_check_latency(lead_factory, systems):
    prospects = sample("backoffice_leads_qualification_runs_total", decision="prospect")
    checks = {
        system: sample(
            "backoffice_leads_qualification_check_duration_seconds_count",
            system=system,
            status="passed",
        )
        for system in ("registry", "archives", "scoring")
    }

    run(lead_factory(first_name="Ada", last_name="Lovelace0"))

    assert sample("backoffice_leads_qualification_runs_total", decision="prospect") == prospects + 1
    for system, before in checks.items():
        after = sample(
            "backoffice_leads_qualification_check_duration_seconds_count",
            system=system,
            status="passed",
        )
        assert after == before + 1, system
    assert sample("backoffice_external_calls_total", system="registry", outcome="2xx") >= 1


def test_a_system_down_counts_needs_review_and_an_unavailable_check(lead_factory, systems):
    systems.archives.respond(503)
    review = sample("backoffice_leads_qualification_runs_total", decision="needs_review")
    down = sample("backoffice_external_calls_total", system="archives", outcome="5xx")

    run(lead_factory(first_name="Ada", last_name="Lovelace0"))

    assert (
        sample("backoffice_leads_qualification_runs_total", decision="needs_review") == review + 1
    )
    assert (
        sample(
            "backoffice_leads_qualification_check_duration_seconds_count",
            system="archives",
            status="unavailable",
        )
        >= 1
    )
    assert sample("backoffice_external_calls_total", system="archives", outcome="5xx") > down
