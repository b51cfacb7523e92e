"""Lead services: validation, the stage rules, starting and executing qualification runs."""

import asyncio
import datetime

import httpx
import pytest
import respx
from django.db import IntegrityError, transaction
from django.utils import timezone

from core import present
from core.audit import audit_timeline
from core.errors import ApplicationError, ConflictError, NotFoundError, PermissionDeniedError
from leads.decision import CheckResult
from leads.models import (
    CheckStatus,
    LeadAction,
    QualificationCheck,
    QualificationRun,
    RunStatus,
    Stage,
)
from leads.services import (
    lead_create,
    lead_update,
    qualification_check_record,
    qualification_run_execute,
    qualification_runs_execute,
    qualification_start,
)
from tests.leads.conftest import make_nir

pytestmark = pytest.mark.django_db


def checks(run):
    return run.checks_by_system()


BASE = "http://systems.test"


def lead_data(**overrides):
    return {
        "first_name": "Alice",
        "last_name": "Martin",
        "birth_date": datetime.date(1984, 5, 12),
        "national_id": "2 84 05 75 116 045 14",
        "email": "alice@example.test",
        "phone": "+33 6 12 34 56 78",
        **overrides,
    }


@pytest.fixture
def systems(settings):
    """The three systems mocked at the HTTP level; tests adjust the routes."""
    settings.REGISTRY_API_URL = settings.ARCHIVES_API_URL = settings.SCORING_API_URL = BASE
    with respx.mock(assert_all_called=False) as mock:
        mock.registry = mock.get(url__regex=rf"{BASE}/api/registry/persons/\d+").respond(
            200,
            json={
                "national_id": "x",
                "first_name": "ADA",
                "last_name": "LOVELACE0",
                "birth_date": "1980-01-01",
            },
        )
        mock.archives = mock.get(f"{BASE}/api/archives/records").respond(200, json={"records": []})
        mock.scoring = mock.post(f"{BASE}/api/scoring/scores").respond(200, json={"score": 75})
        yield mock


# --- creating and changing leads -------------------------------------------------------------


def test_create_stores_the_national_id_compact_and_audits(agent):
    lead = lead_create(actor=agent, **lead_data())

    assert lead.national_id == "284057511604514"
    assert lead.national_id_display == "2 84 05 75 116 045 14"
    assert (lead.owner, lead.stage) == (agent, Stage.LEAD)
    assert audit_timeline(lead).first().action == LeadAction.CREATED == "leads.lead_created"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("national_id", "2 84 05 75 116 045 15", "checksum"),
        ("national_id", "12345", "national identification number for FR"),
        (
            "birth_date",
            timezone.localdate() + datetime.timedelta(days=1),
            "Must be between 1900-01-01 and today.",
        ),
        ("birth_date", datetime.date(1899, 12, 31), "Must be between 1900-01-01 and today."),
        ("email", "alice@", "valid email"),
        ("phone", "call me", "phone number"),
        ("first_name", "", "cannot be blank"),
    ],
)
def test_bad_input_names_the_field(agent, field, value, message):
    with pytest.raises(ApplicationError) as caught:
        lead_create(actor=agent, **lead_data(**{field: value}))

    assert list(caught.value.fields) == [field]
    assert message in " ".join(caught.value.fields[field])


def test_the_national_id_country_is_configurable(agent, settings):
    settings.NATIONAL_ID_COUNTRY = "BE"

    with pytest.raises(ApplicationError) as caught:
        lead_create(actor=agent, **lead_data())  # a French NIR is no Belgian number
    assert "for BE" in caught.value.fields["national_id"][0]

    lead = lead_create(actor=agent, **lead_data(national_id="85.07.30-033.28"))
    assert lead.national_id == "85073003328"


def test_one_lead_per_national_id(agent):
    lead_create(actor=agent, **lead_data())

    with pytest.raises(ApplicationError) as caught:
        lead_create(actor=agent, **lead_data(national_id="284057511604514"))
    assert "already exists" in caught.value.fields["national_id"][0]


def test_the_owner_must_be_a_sales_agent(agent, outsider):
    with pytest.raises(ApplicationError) as caught:
        lead_create(actor=agent, owner_id=outsider.pk, **lead_data())
    assert "owner" in caught.value.fields


def test_a_prospect_keeps_its_identity(lead_factory, agent):
    lead = lead_factory(owner=agent, stage=Stage.PROSPECT)

    lead_update(lead_id=lead.pk, actor=agent, phone="+33 1 23 45 67 89")  # contact details: fine
    with pytest.raises(ConflictError):
        lead_update(lead_id=lead.pk, actor=agent, last_name="Other")


def test_changing_a_rejected_lead_identity_puts_it_back_to_lead(lead_factory, agent):
    lead = lead_factory(owner=agent, stage=Stage.REJECTED)

    lead = lead_update(lead_id=lead.pk, actor=agent, first_name="Adeline")

    assert lead.stage == Stage.LEAD
    assert audit_timeline(lead).first().changes["stage"] == {"from": "rejected", "to": "lead"}


# --- starting runs ---------------------------------------------------------------------------


def test_start_creates_a_pending_run_and_enqueues_it_on_commit(lead_factory, agent, monkeypatch):
    sent = []
    monkeypatch.setattr("leads.tasks.qualify_run.apply_async", lambda **kw: sent.append(kw))
    lead = lead_factory(owner=agent)

    with transaction.atomic():
        started = qualification_start(lead_id=lead.pk, requested_by=agent, source="api")
        assert sent == []  # not before the commit
    # pytest-django's test transaction never commits: run the callbacks by hand.
    assert started.created
    assert started.run.status == RunStatus.PENDING
    assert started.run.requested_by == agent


def test_a_second_start_returns_the_active_run(lead_factory, agent):
    lead = lead_factory(owner=agent)

    first = qualification_start(lead_id=lead.pk, requested_by=agent, source="api")
    second = qualification_start(lead_id=lead.pk, requested_by=agent, source="page")

    assert (first.created, second.created) == (True, False)
    assert second.run.pk == first.run.pk
    assert QualificationRun.objects.count() == 1


def test_the_database_refuses_a_second_active_run(lead_factory):
    lead = lead_factory()
    QualificationRun.objects.create(lead=lead, source="cli")

    with pytest.raises(IntegrityError), transaction.atomic():
        QualificationRun.objects.create(lead=lead, source="cli", status=RunStatus.RUNNING)
    # A finished run does not count.
    QualificationRun.objects.create(lead=lead, source="cli", status=RunStatus.DONE)


def test_a_stale_active_run_is_abandoned_and_replaced(lead_factory, settings):
    lead = lead_factory()
    old = QualificationRun.objects.create(
        lead=lead,
        source="api",
        status=RunStatus.RUNNING,
        created_at=timezone.now()
        - datetime.timedelta(seconds=settings.QUALIFICATION_STALE_AFTER + 1),
    )

    started = qualification_start(lead_id=lead.pk, requested_by=None, source="cli", enqueue=False)

    old.refresh_from_db()
    assert started.created
    assert old.status == RunStatus.ABANDONED
    assert old.reasons == [
        f"no result after {present.duration(settings.QUALIFICATION_STALE_AFTER)} (lost worker or "
        "message); replaced by a new run"
    ]
    assert present.duration(300) == "5 min 00 s"


def test_a_prospect_is_not_qualified_again(lead_factory):
    lead = lead_factory(stage=Stage.PROSPECT)

    with pytest.raises(ConflictError, match="already a prospect"):
        qualification_start(lead_id=lead.pk, requested_by=None, source="cli")
    assert not QualificationRun.objects.exists()


def test_unknown_lead(db):
    with pytest.raises(NotFoundError, match="Lead 999 does not exist"):
        qualification_start(lead_id=999, requested_by=None, source="cli")


def test_only_the_owner_or_a_manager_may_qualify(
    lead_factory, agent, other_agent, manager, outsider
):
    lead = lead_factory(owner=agent)

    for user in (other_agent, outsider):
        with pytest.raises(PermissionDeniedError):
            qualification_start(lead_id=lead.pk, requested_by=user, source="api")
    assert qualification_start(lead_id=lead.pk, requested_by=manager, source="api").created


# --- executing runs --------------------------------------------------------------------------


def start(lead):
    return qualification_start(lead_id=lead.pk, requested_by=None, source="cli", enqueue=False).run


def test_a_match_with_a_good_score_makes_a_prospect(lead_factory, systems):
    lead = lead_factory(first_name="Ada", last_name="Lovelace0")
    run = qualification_run_execute(run_id=start(lead).pk)

    lead.refresh_from_db()
    assert (run.status, run.outcome, run.score, lead.stage) == ("done", "prospect", 75, "prospect")
    registry, archives, scoring = run.check_list
    assert (registry.system, archives.system, scoring.system) == ("registry", "archives", "scoring")
    assert (registry.status, archives.status, scoring.status) == ("passed",) * 3
    assert registry.latency_ms > 0
    assert archives.finished_at > archives.started_at
    assert scoring.started_at >= max(registry.finished_at, archives.finished_at)
    assert registry.response["person"]["first_name"] == "ADA"
    assert scoring.response == {"score": 75}
    assert QualificationCheck.objects.filter(run=run).count() == 3
    assert audit_timeline(lead).first().changes == {"stage": {"from": "lead", "to": "prospect"}}
    # The score got both outputs.
    sent = systems.scoring.calls.last.request.read()
    assert b'"registry":{"found":true,"match":true' in sent
    assert b'"archives":{"records":[]}' in sent


def test_names_are_compared_without_accents_case_or_hyphens(lead_factory, systems):
    systems.registry.respond(
        200,
        json={
            "national_id": "x",
            "first_name": "JEAN PIERRE",
            "last_name": "LEFEVRE",
            "birth_date": "1980-01-01",
        },
    )
    lead = lead_factory(first_name="Jean-Pierre", last_name="Lefèvre")

    assert qualification_run_execute(run_id=start(lead).pk).outcome == Stage.PROSPECT


def test_mismatches_and_records_reject_without_asking_the_score(lead_factory, systems):
    systems.registry.respond(
        200,
        json={
            "national_id": "x",
            "first_name": "ADA",
            "last_name": "BYRON",
            "birth_date": "1980-01-02",
        },
    )
    systems.archives.respond(200, json={"records": [{"reference": "TJ-1"}]})
    lead = lead_factory(first_name="Ada", last_name="Lovelace")

    run = qualification_run_execute(run_id=start(lead).pk)

    assert run.outcome == Stage.REJECTED
    assert run.reasons == [
        "last name differs from the registry's (BYRON); birth date differs from the registry's "
        "(2 Jan 1980)",
        "1 judicial record (TJ-1)",
    ]
    assert (checks(run)["scoring"].status, run.score) == (CheckStatus.SKIPPED, None)
    assert not systems.scoring.called


def test_not_found_rejects(lead_factory, systems):
    systems.registry.respond(404, json={"error": "person not found"})

    run = qualification_run_execute(run_id=start(lead_factory()).pk)

    assert (run.outcome, run.reasons) == (Stage.REJECTED, ["not found in the national registry"])


def test_a_low_score_rejects(lead_factory, systems):
    systems.scoring.respond(200, json={"score": 60})
    lead = lead_factory(first_name="Ada", last_name="Lovelace0")

    run = qualification_run_execute(run_id=start(lead).pk)

    assert (run.outcome, checks(run)["scoring"].status) == (Stage.REJECTED, CheckStatus.FAILED)


@pytest.mark.parametrize(
    ("down", "sentence"),
    [
        ("registry", "the national registry did not answer (HTTP 503)"),
        ("archives", "the judicial archives did not answer (HTTP 503)"),
        ("scoring", "the qualification scoring service did not answer (HTTP 503)"),
    ],
)
def test_a_system_down_sends_the_lead_to_review_with_a_sentence(
    lead_factory, systems, down, sentence
):
    getattr(systems, down).respond(503, json={"error": "simulated failure"})
    lead = lead_factory(first_name="Ada", last_name="Lovelace0")

    run = qualification_run_execute(run_id=start(lead).pk)

    lead.refresh_from_db()
    assert run.outcome == lead.stage == Stage.NEEDS_REVIEW
    assert checks(run)[down].status == CheckStatus.UNAVAILABLE
    assert run.reasons == [sentence]
    assert checks(run)[down].reason == sentence


@pytest.mark.parametrize(
    ("response", "sentence"),
    [
        (httpx.Response(503, text="down"), "the judicial archives did not answer (HTTP 503)"),
        (
            httpx.Response(429, text="slow"),
            "the judicial archives asked us to slow down (HTTP 429)",
        ),
        (
            httpx.Response(403, json={"error": "forbidden"}),
            "the judicial archives refused the request (HTTP 403)",
        ),
        (
            httpx.Response(200, text="<html>"),
            "the judicial archives gave an answer we could not read",
        ),
        (
            httpx.ConnectError("[Errno 111] Connection refused"),
            "the judicial archives could not be reached",
        ),
        (httpx.ReadTimeout("timed out"), "the judicial archives did not answer within 8 seconds"),
    ],
)
def test_people_read_a_sentence_and_the_log_keeps_the_detail_under_the_reference(
    lead_factory, systems, settings, caplog, response, sentence
):
    """No URL, host, exception name or national id reaches the run, the lead's history or the
    API; the log line with the detail carries the reference the run shows."""
    settings.QUALIFICATION_TIMEOUT = 8.0  # the clients' timeout too
    if isinstance(response, Exception):
        systems.archives.mock(side_effect=response)
    else:
        systems.archives.mock(return_value=response)
    lead = lead_factory(first_name="Ada", last_name="Lovelace0")

    with caplog.at_level("WARNING", logger="leads.checks"):
        run = qualification_run_execute(run_id=start(lead).pk)

    assert checks(run)["archives"].reason == sentence
    assert run.reasons == [sentence]
    history = audit_timeline(lead).filter(action=LeadAction.QUALIFICATION_DECIDED).get().reason
    assert history == f"run {run.pk}: {sentence}"
    for text in (checks(run)["archives"].reason, *run.reasons, history):
        for leak in (lead.national_id, BASE, "systems.test", "http", "Error", "/api/"):
            assert leak not in text
    assert len(run.reference) == 16
    [line] = [r for r in caplog.records if r.name == "leads.checks"]
    assert line.request_id == run.reference
    assert f"{BASE}/api/archives/records?national_id={lead.national_id}" in line.getMessage()


def test_a_run_executed_inside_a_request_or_task_keeps_its_id(lead_factory, systems):
    from core.request_id import request_id_scope

    run = start(lead_factory(first_name="Ada", last_name="Lovelace0"))

    with request_id_scope("celery-task-0001"):
        done = qualification_run_execute(run_id=run.pk)

    assert done.reference == "celery-task-0001"


def test_the_overall_timeout_keeps_what_finished(lead_factory, systems, settings):
    settings.QUALIFICATION_TIMEOUT = 0.3

    async def never_in_time(request):
        await asyncio.sleep(5)
        return httpx.Response(200, json={"records": []})

    systems.archives.mock(side_effect=never_in_time)
    lead = lead_factory(first_name="Ada", last_name="Lovelace0")

    run = qualification_run_execute(run_id=start(lead).pk)

    assert run.outcome == Stage.NEEDS_REVIEW
    assert checks(run)["registry"].status == CheckStatus.PASSED
    assert checks(run)["archives"].status == CheckStatus.UNAVAILABLE
    assert (
        checks(run)["archives"].reason == "the judicial archives did not answer within 0.3 seconds"
    )
    assert run.wall_ms < 2000


def test_a_finished_run_is_not_executed_again(lead_factory, systems):
    run = start(lead_factory(first_name="Ada", last_name="Lovelace0"))
    qualification_run_execute(run_id=run.pk)

    assert qualification_run_execute(run_id=run.pk) is None
    assert systems.registry.call_count == 1


def test_bulk_execution_reports_each_run(lead_factory, systems):
    leads = [
        lead_factory(first_name="Ada", last_name="Lovelace0", national_id=make_nir(500 + i))
        for i in range(5)
    ]
    finished = []

    runs = qualification_runs_execute(
        run_ids=[start(lead).pk for lead in leads], concurrency=3, on_finished=finished.append
    )

    assert len(runs) == len(finished) == 5
    assert {run.outcome for run in runs} == {Stage.PROSPECT}


def test_a_check_is_recorded_once_per_system_and_never_after_its_run_ended(lead_factory):
    run = start(lead_factory())
    QualificationRun.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING)

    qualification_check_record(
        run_id=run.pk, result=CheckResult("archives", CheckStatus.UNAVAILABLE, reason="down")
    )
    # A redelivered task executes the run again: its answer replaces the first one.
    qualification_check_record(
        run_id=run.pk, result=CheckResult("archives", CheckStatus.PASSED, latency_ms=12.5)
    )
    QualificationRun.objects.filter(pk=run.pk).update(status=RunStatus.ABANDONED)
    qualification_check_record(run_id=run.pk, result=CheckResult("registry", CheckStatus.FAILED))

    [archives] = QualificationCheck.objects.filter(run=run)
    assert (archives.system, archives.status, archives.reason, archives.latency_ms) == (
        "archives",
        "passed",
        "",
        12.5,
    )
    assert [check.status for check in QualificationRun.objects.get(pk=run.pk).check_list] == [
        "pending",
        "passed",
        "pending",
    ]


def test_the_owner_is_an_id_and_the_system_must_name_one(agent, manager):
    with pytest.raises(ApplicationError) as unknown:
        lead_create(actor=manager, owner_id=987_654, **lead_data())
    with pytest.raises(ApplicationError) as nobody:
        lead_create(actor="leads.import", **lead_data())

    assert unknown.value.fields == {"owner": ["No user has the id 987654."]}
    assert list(nobody.value.fields) == ["owner"]
    lead = lead_create(actor="leads.import", owner_id=agent.pk, **lead_data())
    assert lead.owner == agent
    assert lead_update(lead_id=lead.pk, actor=manager, owner_id=manager.pk).owner == manager


def test_a_run_knows_where_it_was_asked_from(lead_factory, agent):
    lead = lead_factory(owner=agent)

    with pytest.raises(ApplicationError) as caught:
        qualification_start(lead_id=lead.pk, requested_by=agent, source="fax")
    run = qualification_start(lead_id=lead.pk, requested_by=agent, source="page").run

    assert caught.value.fields == {"source": ["One of: api, page, admin, cli."]}
    assert run.get_source_display() == "Lead page"
    requested = audit_timeline(lead).get(action=LeadAction.QUALIFICATION_REQUESTED)
    assert requested.reason == f"run {run.pk} (Lead page)"
