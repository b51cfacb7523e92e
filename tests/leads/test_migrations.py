"""The data migration that turns stored technical failure texts into sentences."""

import importlib

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from core.models import AuditEvent
from leads.models import QualificationRun, Stage

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


@pytest.mark.django_db(transaction=True)
def test_the_migration_rewrites_runs_and_the_lead_history(lead_factory):
    executor = MigrationExecutor(connection)
    executor.migrate([("leads", "0002_qualificationrun_reference")])
    lead = lead_factory(stage=Stage.NEEDS_REVIEW)
    run = QualificationRun.objects.create(
        lead=lead,
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
        lead=lead_factory(), status="done", source="api", reasons=["no judicial records"]
    )
    event = AuditEvent.objects.create(
        actor_label="system: leads.qualification",
        content_type=ContentType.objects.get_for_model(lead),
        object_id=str(lead.pk),
        object_repr=str(lead),
        action="qualified",
        reason=f"run {run.pk}: {OLD['archives_503']}",
    )

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([("leads", "0003_public_failure_reasons")])

    run.refresh_from_db()
    event.refresh_from_db()
    untouched.refresh_from_db()
    assert run.archives_reason == NEW["archives_503"]
    assert run.reasons == [NEW["archives_503"]]
    assert run.scoring_reason == "not needed: a check did not pass"
    assert event.reason == f"run {run.pk}: {NEW['archives_503']}"
    assert untouched.reasons == ["no judicial records"]
    for text in (run.archives_reason, *run.reasons, event.reason):
        assert NIR not in text
        assert lead.national_id not in text
