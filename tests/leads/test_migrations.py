"""The data migration that turns stored technical failure texts into sentences."""

import datetime
import importlib

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from core.models import AuditEvent
from leads.models import QualificationCheck, QualificationRun, Stage

migration = importlib.import_module("leads.migrations.0003_public_failure_reasons")
rewrite = migration.rewrite

NIR = "185077512345678"
# What the code before the change stored, byte for byte (core.http messages inside).
OLD = {
    "archives_503": "judicial archives could not be reached (GET http://archives.internal:8100"
    f"/api/archives/records?national_id={NIR} answered 503)",
    "registry_refused": "national registry could not be reached (GET http://127.0.0.1:8100/api/"
    f"registry/persons/{NIR} failed: ConnectError('[Errno 111] Connection refused'))",
    "registry_timeout": "national registry could not be reached (GET /api/registry/persons/"
    f"{NIR} timed out (ReadTimeout('')))",
    "archives_403": "judicial archives could not be reached (GET http://a/api/archives/records"
    f'?national_id={NIR} answered 403: {{"error": "no access (ask ops)", "id": "{NIR}"}})',
    "archives_not_json": "judicial archives could not be reached (answered 200 with a body that "
    "is not JSON)",
    "registry_contract": "national registry could not be reached (answer has no string "
    "'first_name')",
    "scoring_502": "qualification scoring could not be reached (POST http://s/api/scoring/scores "
    "answered 502)",
    "archives_slow": "judicial archives gave no answer within 8 s",
    "scoring_slow": "qualification scoring gave no answer within the run's 0.5 s",
    "crashed": "national registry check failed unexpectedly (logged)",
}
NEW = {
    "archives_503": "the judicial archives did not answer (HTTP 503)",
    "registry_refused": "the national registry could not be reached",
    "registry_timeout": "the national registry did not answer in time",
    "archives_403": "the judicial archives refused the request (HTTP 403)",
    "archives_not_json": "the judicial archives gave an answer we could not read",
    "registry_contract": "the national registry gave an answer we could not read",
    "scoring_502": "the qualification scoring service did not answer (HTTP 502)",
    "archives_slow": "the judicial archives did not answer within 8 seconds",
    "scoring_slow": "the qualification scoring service did not answer within 0.5 seconds",
    "crashed": "the national registry check stopped on an unexpected error (logged)",
}


@pytest.mark.parametrize("case", sorted(OLD))
def test_each_old_reason_becomes_its_sentence(case):
    assert rewrite(OLD[case]) == NEW[case]


def test_reasons_inside_a_decision_and_an_audit_reason_are_rewritten_in_place():
    rejected = f"(also not checked: {OLD['archives_503']})"
    audit = f"run 12: {OLD['registry_refused']}; {OLD['archives_403']}"

    assert rewrite(rejected) == f"(also not checked: {NEW['archives_503']})"
    assert rewrite(audit) == f"run 12: {NEW['registry_refused']}; {NEW['archives_403']}"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "first name differs from the registry's (CAMILLE)",
        "2 judicial records (TJ-1, TJ-2)",
        "qualification score 60 is not above 60",
        *NEW.values(),
    ],
)
def test_other_texts_and_new_sentences_are_left_alone(text):
    assert rewrite(text) == text


def test_an_unclosed_detail_is_dropped_rather_than_kept():
    text = f"judicial archives could not be reached (GET /x?national_id={NIR} answered 400: ((("

    assert rewrite(text) == "the judicial archives refused the request (HTTP 400)"


@pytest.fixture
def migrate_leads(transactional_db):
    """`migrate_leads("0002_...")` moves the leads app's schema to that migration and returns
    the models as they were then; the test ends with every migration applied again."""

    def to(name: str):
        executor = MigrationExecutor(connection)
        executor.migrate([("leads", name)])
        return executor.loader.project_state([("leads", name)]).apps

    yield to
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def test_the_migration_rewrites_runs_and_the_lead_history(migrate_leads, lead_factory):
    old = migrate_leads("0002_qualificationrun_reference")
    QualificationRun = old.get_model("leads", "QualificationRun")
    lead = lead_factory(stage=Stage.NEEDS_REVIEW)
    run = QualificationRun.objects.create(
        lead_id=lead.pk,
        status="done",
        source="api",
        outcome=Stage.NEEDS_REVIEW,
        registry_status="passed",
        archives_status="unavailable",
        archives_reason=OLD["archives_503"],
        scoring_reason="not needed: a check did not pass",
        reasons=[OLD["archives_503"]],
    )
    untouched = QualificationRun.objects.create(
        lead_id=lead_factory().pk, status="done", source="api", reasons=["no judicial records"]
    )
    event = AuditEvent.objects.create(
        actor_label="system: leads.qualification",
        content_type=ContentType.objects.get_for_model(lead),
        object_id=str(lead.pk),
        object_repr=str(lead),
        action="qualified",
        reason=f"run {run.pk}: {OLD['archives_503']}",
    )

    QualificationRun = migrate_leads("0003_public_failure_reasons").get_model(
        "leads", "QualificationRun"
    )

    run = QualificationRun.objects.get(pk=run.pk)
    event.refresh_from_db()
    untouched = QualificationRun.objects.get(pk=untouched.pk)
    assert run.archives_reason == NEW["archives_503"]
    assert run.reasons == [NEW["archives_503"]]
    assert run.scoring_reason == "not needed: a check did not pass"
    assert event.reason == f"run {run.pk}: {NEW['archives_503']}"
    assert untouched.reasons == ["no judicial records"]
    for text in (run.archives_reason, *run.reasons, event.reason):
        assert NIR not in text
        assert lead.national_id not in text


# --- 0004-0006: the three column groups become one row per check ------------------------------

STARTED = datetime.datetime(2026, 11, 20, 9, 0, 0, 120000, tzinfo=datetime.UTC)
FINISHED = STARTED + datetime.timedelta(milliseconds=512)
COLUMNS = {
    "registry_status": "passed",
    "registry_started_at": STARTED,
    "registry_finished_at": STARTED + datetime.timedelta(milliseconds=301),
    "registry_latency_ms": 301.25,
    "registry_response": {"found": True, "match": True, "person": {"first_name": "ADA"}},
    "archives_status": "unavailable",
    "archives_reason": "the judicial archives did not answer (HTTP 503)",
    "archives_started_at": STARTED,
    "archives_finished_at": FINISHED,
    "archives_latency_ms": 512.0,
    "scoring_status": "skipped",
    "scoring_reason": "not needed: a check did not pass",
}


def test_each_column_group_becomes_a_check_row_and_back(migrate_leads, lead_factory):
    old = migrate_leads("0003_public_failure_reasons")
    OldRun = old.get_model("leads", "QualificationRun")
    done = OldRun.objects.create(
        lead_id=lead_factory().pk, status="done", source="api", outcome="needs_review", **COLUMNS
    )
    # Pending, nothing heard from any system yet: no rows (a missing row reads as pending).
    pending = OldRun.objects.create(lead_id=lead_factory().pk, source="page")

    migrate_leads("0006_remove_qualificationrun_check_columns")

    run = QualificationRun.objects.get(pk=done.pk)
    registry, archives, scoring = run.check_list
    assert (registry.status, registry.reason, registry.latency_ms) == ("passed", "", 301.25)
    assert registry.started_at == STARTED
    assert registry.response == COLUMNS["registry_response"]
    assert (archives.status, archives.reason) == ("unavailable", COLUMNS["archives_reason"])
    assert (archives.finished_at, archives.latency_ms, archives.response) == (FINISHED, 512, None)
    assert (scoring.status, scoring.reason, scoring.started_at) == (
        "skipped",
        "not needed: a check did not pass",
        None,
    )
    assert QualificationCheck.objects.filter(run=run).count() == 3
    assert not QualificationCheck.objects.filter(run_id=pending.pk).exists()
    assert [check.status for check in QualificationRun.objects.get(pk=pending.pk).check_list] == [
        "pending"
    ] * 3

    OldRun = migrate_leads("0003_public_failure_reasons").get_model("leads", "QualificationRun")

    restored = OldRun.objects.get(pk=done.pk)
    for name, value in COLUMNS.items():
        assert getattr(restored, name) == value, name
    assert (restored.scoring_started_at, restored.scoring_response) == (None, None)
    untouched = OldRun.objects.get(pk=pending.pk)
    assert (untouched.registry_status, untouched.archives_reason) == ("pending", "")


# --- 0007: the audit vocabulary -----------------------------------------------------------------

OLD_ACTIONS = {
    "lead created": "leads.lead_created",
    "lead updated": "leads.lead_updated",
    "lead deleted": "leads.lead_deleted",
    "qualification requested": "leads.qualification_requested",
    "qualified": "leads.qualification_decided",
}


def test_the_leads_audit_actions_take_the_enum_values_and_back(migrate_leads, lead_factory):
    from django.contrib.auth import get_user_model

    from leads.models import LeadAction

    migrate_leads("0006_remove_qualificationrun_check_columns")
    lead = lead_factory()

    def event(obj, action):
        return AuditEvent.objects.create(
            actor_label="system",
            content_type=ContentType.objects.get_for_model(obj),
            object_id=str(obj.pk),
            object_repr=str(obj),
            action=action,
        )

    events = {old: event(lead, old) for old in OLD_ACTIONS}
    # Another model's event with the same text is not the leads app's.
    elsewhere = event(lead.owner, "qualified")
    assert isinstance(lead.owner, get_user_model())

    migrate_leads("0007_audit_actions")

    for old, new in OLD_ACTIONS.items():
        events[old].refresh_from_db()
        assert events[old].action == new
    assert set(OLD_ACTIONS.values()) == set(LeadAction.values)
    elsewhere.refresh_from_db()
    assert elsewhere.action == "qualified"

    migrate_leads("0006_remove_qualificationrun_check_columns")

    for old in OLD_ACTIONS:
        events[old].refresh_from_db()
        assert events[old].action == old
