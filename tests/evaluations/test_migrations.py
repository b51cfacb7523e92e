"""The data migrations: technical audit reasons become sentences; audit actions become the
app's vocabulary."""

import datetime
import importlib
from collections.abc import Iterator

import pytest

migration = importlib.import_module("evaluations.migrations.0002_public_failure_notes")
SEARCH = (
    "GET http://register.internal/api/records/1.0/search/?dataset=economicref-france-sirene-v3"
    "&q=732829320&sort=datederniertraitementetablissement&refine.etablissementsiege=oui"
)


def _evaluation_at(executor, migration_name: str):
    """An evaluation made with the model as it was at that migration (later ones add
    columns, such as company_address)."""
    from django.utils import timezone

    old = executor.loader.project_state(("evaluations", migration_name)).apps
    return old.get_model("evaluations", "Evaluation").objects.create(
        kind="SIREN",
        value="732829320",
        state="favorable",
        reason="company_opened",
        score=100,
        last_evaluated_at=timezone.now(),
    )


@pytest.fixture
def migrated_back_to_the_latest() -> Iterator[None]:
    """A test that migrates backwards leaves the database at the latest migration again."""
    yield
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


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
@pytest.mark.usefixtures("migrated_back_to_the_latest")
def test_the_migration_rewrites_the_history_of_evaluations():
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    from core.models import AuditEvent

    executor = MigrationExecutor(connection)
    executor.migrate([("evaluations", "0001_initial")])
    evaluation = _evaluation_at(executor, "0001_initial")
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


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("migrated_back_to_the_latest")
def test_the_audit_actions_become_the_vocabulary_and_back(user_factory):
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    from core.models import AuditEvent
    from evaluations.models import EvaluationAction

    executor = MigrationExecutor(connection)
    executor.migrate([("evaluations", "0002_public_failure_notes")])
    evaluation = _evaluation_at(executor, "0002_public_failure_notes")
    old = executor.loader.project_state(("evaluations", "0002_public_failure_notes")).apps
    decay_pass = old.get_model("evaluations", "DecayPass").objects.create(
        date="2026-03-01", chunk_size=10
    )
    other = user_factory(username="someone")  # another model's event keeps its text

    def event(obj, action: str) -> AuditEvent:
        return AuditEvent.objects.create(
            actor_label="system",
            content_type=ContentType.objects.get_for_model(obj),
            object_id=str(obj.pk),
            object_repr=str(obj),
            action=action,
        )

    events = {
        "created": event(evaluation, "evaluated"),
        "reevaluated": event(evaluation, "re-evaluated"),
        "finished": event(decay_pass, "decay pass finished"),
        "not ours": event(other, "re-evaluated"),
        "unknown": event(evaluation, "something else"),
    }

    def actions() -> dict[str, str]:
        return {name: AuditEvent.objects.get(pk=e.pk).action for name, e in events.items()}

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([("evaluations", "0003_audit_actions")])

    assert actions() == {
        "created": EvaluationAction.CREATED,
        "reevaluated": EvaluationAction.REEVALUATED,
        "finished": EvaluationAction.DECAY_PASS_FINISHED,
        "not ours": "re-evaluated",
        "unknown": "something else",
    }

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([("evaluations", "0002_public_failure_notes")])

    assert actions() == {
        "created": "evaluated",
        "reevaluated": "re-evaluated",
        "finished": "decay pass finished",
        "not ours": "re-evaluated",
        "unknown": "something else",
    }


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("migrated_back_to_the_latest")
def test_rows_already_queued_get_a_due_since_from_their_last_pass():
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor
    from django.utils import timezone

    executor = MigrationExecutor(connection)
    executor.migrate([("evaluations", "0004_registers")])
    apps = executor.loader.project_state([("evaluations", "0004_registers")]).apps
    Evaluation = apps.get_model("evaluations", "Evaluation")
    DecayPass = apps.get_model("evaluations", "DecayPass")
    started = timezone.now() - timezone.timedelta(hours=5)
    DecayPass.objects.create(date=datetime.date(2026, 3, 1), chunk_size=10, started_at=started)
    common = {"kind": "SIREN", "state": "favorable", "reason": "company_opened", "score": 0}
    by_pass = Evaluation.objects.create(
        **common, value="732829320", last_evaluated_at=started, reevaluation_due=True,
        last_decayed_on=datetime.date(2026, 3, 1),
    )  # fmt: skip
    by_hand = Evaluation.objects.create(
        **common, value="552100554", last_evaluated_at=started, reevaluation_due=True
    )
    not_due = Evaluation.objects.create(**common, value="542065479", last_evaluated_at=started)

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([("evaluations", "0005_reevaluation_due_since")])

    from evaluations.models import Evaluation as Current

    since = dict(Current.objects.values_list("pk", "reevaluation_due_since"))
    assert since[by_pass.pk] == started
    assert since[by_hand.pk] > started
    assert since[not_due.pk] is None
