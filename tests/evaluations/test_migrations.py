"""The data migration that turns stored technical audit reasons into sentences."""

import importlib

import pytest

migration = importlib.import_module("evaluations.migrations.0002_public_failure_notes")
SEARCH = (
    "GET http://register.internal/api/records/1.0/search/?dataset=economicref-france-sirene-v3"
    "&q=732829320&sort=datederniertraitementetablissement&refine.etablissementsiege=oui"
)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (
            f"SIRENE register (Opendatasoft): sirene: {SEARCH} answered 503",
            "the SIRENE register did not answer (HTTP 503)",
        ),
        (
            "SIRENE register (Opendatasoft): sirene: GET /api/records/1.0/search/ timed out "
            "(ReadTimeout('timed out'))",
            "the SIRENE register did not answer in time",
        ),
        (
            "SIRENE register (Opendatasoft): sirene: answered 200 with no nhits/records",
            "the SIRENE register gave an answer we could not read",
        ),
        ("SIRENE register (Opendatasoft): Actif", None),
        ("VAT fake (random): unable_to_reach_api", None),
        ("", None),
    ],
)
def test_rewrite(old, new):
    assert migration.rewrite(old) == (old if new is None else new)


@pytest.mark.django_db(transaction=True)
def test_the_migration_rewrites_the_history_of_evaluations(evaluation_factory):
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    from core.models import AuditEvent

    executor = MigrationExecutor(connection)
    executor.migrate([("evaluations", "0001_initial")])
    evaluation = evaluation_factory(value="732829320")
    event = AuditEvent.objects.create(
        actor_label="system",
        content_type=ContentType.objects.get_for_model(evaluation),
        object_id=str(evaluation.pk),
        object_repr=str(evaluation),
        action="re-evaluated",
        reason=f"SIRENE register (Opendatasoft): sirene: {SEARCH} answered 502",
    )

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([("evaluations", "0002_public_failure_notes")])

    event.refresh_from_db()
    assert event.reason == "the SIRENE register did not answer (HTTP 502)"
