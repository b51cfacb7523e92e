"""Services: evaluating, re-evaluating, the re-evaluation queue and the decay pass."""

import datetime

import pytest

from core.audit import audit_timeline
from core.errors import ApplicationError, ConflictError, NotFoundError
from evaluations import services
from evaluations.models import DecayPass, Evaluation, Reason, State
from evaluations.services.evaluation import _claim_next_due
from evaluations.types import EvaluationType, registry

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 3, 1)


# --- evaluating -----------------------------------------------------------------------------


def test_create_asks_the_source_and_starts_at_100(fake_sources, user_factory):
    alice = user_factory(username="alice")

    evaluation = services.evaluation_create(kind="SIREN", value="732 829 320", actor=alice)

    assert (evaluation.value, evaluation.state, evaluation.reason, evaluation.score) == (
        "732829320",
        State.FAVORABLE,
        Reason.COMPANY_OPENED,
        100,
    )
    assert evaluation.company_name == "Acme SAS"
    assert fake_sources["SIREN"].calls == ["732829320"]
    event = audit_timeline(evaluation).get()
    assert (event.action, event.actor_label) == ("evaluations.created", "alice")
    assert event.changes["score"] == {"from": None, "to": 100}
    assert event.changes["state"] == {"from": None, "to": "favorable"}


@pytest.mark.parametrize(
    ("kind", "value", "field"),
    [("SIREN", "732829321", "value"), ("VAT", "IE6388047X", "value"), ("DUNS", "1", "kind")],
)
def test_bad_input_names_the_field(fake_sources, kind, value, field):
    with pytest.raises(ApplicationError) as caught:
        services.evaluation_create(kind=kind, value=value, actor="tests")

    assert caught.value.status_code == 400
    assert list(caught.value.fields) == [field]
    assert fake_sources["SIREN"].calls == fake_sources["VAT"].calls == []


def test_one_evaluation_per_kind_and_value(fake_sources):
    first = services.evaluation_create(kind="VAT", value="ie6388047v", actor="tests")

    with pytest.raises(ConflictError) as caught:
        services.evaluation_create(kind="VAT", value="IE 6388047 V", actor="tests")

    assert str(first.pk) in caught.value.message
    assert len(fake_sources["VAT"].calls) == 1


def test_reevaluate_sets_100_and_records_the_change(fake_sources, evaluation_factory):
    evaluation = evaluation_factory(
        state=State.UNCONFIRMED, reason=Reason.UNABLE_TO_REACH_API, score=37
    )

    services.evaluation_reevaluate(evaluation_id=evaluation.pk, actor="tests")

    evaluation.refresh_from_db()
    assert (evaluation.state, evaluation.score) == (State.FAVORABLE, 100)
    event = audit_timeline(evaluation).get()
    assert event.action == "evaluations.reevaluated"
    assert event.changes["score"] == {"from": 37, "to": 100}
    assert event.changes["reason"] == {"from": "unable_to_reach_api", "to": "company_opened"}
    assert event.reason == "test: Actif"


def test_unfavorable_is_final(fake_sources, evaluation_factory):
    closed = evaluation_factory(state=State.UNFAVORABLE, reason=Reason.COMPANY_CLOSED, score=3)

    with pytest.raises(ConflictError, match="final"):
        services.evaluation_reevaluate(evaluation_id=closed.pk, actor="tests")

    assert fake_sources["SIREN"].calls == []


def test_reevaluating_an_unknown_id_is_not_found():
    with pytest.raises(NotFoundError):
        services.evaluation_reevaluate(evaluation_id=999_999, actor="tests")


@pytest.mark.parametrize("evaluation_id", ["abc", "²", "-1", 0, True, 2**70, None, 1.0])
def test_reevaluating_something_that_is_not_an_id_is_not_found(fake_sources, evaluation_id):
    with pytest.raises(NotFoundError):
        services.evaluation_reevaluate(evaluation_id=evaluation_id, actor="tests")

    assert fake_sources["SIREN"].calls == []


def test_an_id_as_digits_is_taken(fake_sources, evaluation_factory):
    row = evaluation_factory(score=10)

    services.evaluation_reevaluate(evaluation_id=str(row.pk), actor="tests")

    row.refresh_from_db()
    assert row.score == 100


@pytest.mark.parametrize("ids", [["x"], [1, "²"], [2**70], [None]])
def test_queueing_something_that_is_not_an_id_is_a_400_on_ids(evaluation_factory, ids):
    row = evaluation_factory(score=10)

    with pytest.raises(ApplicationError) as caught:
        services.evaluations_queue_reevaluation(ids=[row.pk, *ids], actor="tests")

    assert (caught.value.status_code, list(caught.value.fields)) == (400, ["ids"])
    assert not Evaluation.objects.filter(reevaluation_due=True).exists()


def test_evaluate_creates_then_reevaluates(fake_sources):
    first, created = services.evaluation_evaluate(kind="SIREN", value="732829320", actor="tests")
    fake_sources["SIREN"].outcome = "unreachable"
    second, created_again = services.evaluation_evaluate(
        kind="SIREN", value="732829320", actor="tests"
    )

    assert (created, created_again) == (True, False)
    assert first.pk == second.pk
    assert second.state == State.UNCONFIRMED


@pytest.mark.django_db(transaction=True)
def test_the_source_is_never_called_inside_a_transaction(fake_sources, evaluation_factory):
    created = services.evaluation_create(kind="SIREN", value="732829320", actor="tests")
    services.evaluation_reevaluate(evaluation_id=created.pk, actor="tests")
    due = evaluation_factory(score=0, reevaluation_due=True)
    services.reevaluate_next_due()

    assert due.pk in Evaluation.objects.filter(reevaluation_due=False).values_list("pk", flat=True)
    assert fake_sources["SIREN"].in_transaction == [False, False, False]


# --- the re-evaluation queue ----------------------------------------------------------------


def test_due_evaluations_are_reevaluated_one_by_one_then_none(fake_sources, evaluation_factory):
    due = [evaluation_factory(score=0, reevaluation_due=True) for _ in range(2)]
    evaluation_factory(score=40)

    first = services.reevaluate_next_due()
    second = services.reevaluate_next_due()

    assert {first.pk, second.pk} == {d.pk for d in due}
    assert services.reevaluate_next_due() is None
    assert not Evaluation.objects.filter(reevaluation_due=True).exists()


def test_a_claimed_row_is_not_taken_twice_until_its_lease_expires(
    fake_sources, evaluation_factory, time_machine_now
):
    row = evaluation_factory(score=0, reevaluation_due=True)

    assert _claim_next_due(time_machine_now) == row.pk
    assert _claim_next_due(time_machine_now) is None
    later = time_machine_now + datetime.timedelta(seconds=121)
    assert _claim_next_due(later) == row.pk


def test_a_due_row_that_became_unfavorable_is_dropped_from_the_queue(
    fake_sources, evaluation_factory
):
    row = evaluation_factory(
        state=State.UNFAVORABLE, reason=Reason.COMPANY_CLOSED, score=0, reevaluation_due=True
    )

    services.reevaluate_next_due()

    row.refresh_from_db()
    assert (row.reevaluation_due, row.score, row.state) == (False, 0, State.UNFAVORABLE)
    assert fake_sources["SIREN"].calls == []


def test_queueing_skips_final_ones_and_starts_bounded_runners(
    fake_sources, evaluation_factory, settings, django_capture_on_commit_callbacks
):
    settings.EVALUATIONS_REEVALUATION_CONCURRENCY = 2
    rows = [evaluation_factory(score=60) for _ in range(3)]
    closed = evaluation_factory(state=State.UNFAVORABLE, reason=Reason.COMPANY_CLOSED)

    with django_capture_on_commit_callbacks() as callbacks:
        queued, skipped = services.evaluations_queue_reevaluation(
            ids=[r.pk for r in rows] + [closed.pk], actor="tests"
        )

    assert (queued, skipped) == (3, 1)
    assert len(callbacks) == 2  # two runners for three rows: bounded by the setting


def test_the_foreground_drain_reevaluates_everything_due(fake_sources, evaluation_factory):
    for _ in range(3):
        evaluation_factory(score=0, reevaluation_due=True)
    seen = []

    done = services.reevaluate_all_due(concurrency=1, progress=seen.append)

    assert done == 3
    assert seen == [1, 2, 3]
    assert set(Evaluation.objects.values_list("score", flat=True)) == {100}


# --- the decay pass -------------------------------------------------------------------------


def test_a_pass_counts_per_rule(evaluation_factory):
    evaluation_factory(state=State.UNFAVORABLE, reason=Reason.COMPANY_CLOSED, score=50)
    evaluation_factory(state=State.FAVORABLE, score=1)  # reaches 0
    evaluation_factory(state=State.FAVORABLE, score=0)  # due
    evaluation_factory(state=State.UNCONFIRMED, reason=Reason.ONGOING_DATABASE_UPDATE, score=80)
    evaluation_factory(state=State.UNCONFIRMED, reason=Reason.UNABLE_TO_REACH_API, score=50)

    report = services.decay_pass_run(on_date=DAY)

    assert report.counts == {
        "unfavorable_unchanged": 1,
        "already_decayed": 0,
        "marked_due": 2,
        "favorable_decayed": 1,
        "unreachable_decayed": 1,
        "reached_zero": 1,
    }
    assert report.due_now == 2
    decay_pass = DecayPass.objects.get(date=DAY)
    assert decay_pass.finished
    assert (decay_pass.marked_due, decay_pass.reached_zero) == (2, 1)
    assert "rule 3 favorable, decayed          1" in "\n".join(report.summary_lines())


def test_a_second_pass_for_the_same_date_changes_nothing_and_says_so(evaluation_factory):
    row = evaluation_factory(score=80)
    services.decay_pass_run(on_date=DAY)

    again = services.decay_pass_run(on_date=DAY)

    row.refresh_from_db()
    assert row.score == 79
    assert again.already_done
    assert "already ran" in again.summary_lines()[0]
    assert "nothing changed" in again.summary_lines()[0]
    assert DecayPass.objects.count() == 1


def test_the_next_date_decays_again(evaluation_factory):
    row = evaluation_factory(score=80)

    services.decay_pass_run(on_date=DAY)
    services.decay_pass_run(on_date=DAY + datetime.timedelta(days=1))

    row.refresh_from_db()
    assert row.score == 78


def test_an_interrupted_pass_resumes_without_decaying_a_row_twice(evaluation_factory):
    done, todo = evaluation_factory(score=80), evaluation_factory(score=80)
    # What an interrupted pass leaves: its row, one row already decayed for the day.
    DecayPass.objects.create(date=DAY, chunk_size=1)
    Evaluation.objects.filter(pk=done.pk).update(score=79, last_decayed_on=DAY)

    report = services.decay_pass_run(on_date=DAY, chunk_size=1)

    done.refresh_from_db()
    todo.refresh_from_db()
    assert (done.score, todo.score) == (79, 79)
    assert report.counts["already_decayed"] == 1
    assert DecayPass.objects.get(date=DAY).finished


def test_a_pass_for_an_earlier_date_never_decays_rows_already_decayed_later(evaluation_factory):
    row = evaluation_factory(score=80)
    services.decay_pass_run(on_date=DAY)

    services.decay_pass_run(on_date=DAY - datetime.timedelta(days=1))

    row.refresh_from_db()
    assert row.score == 79


def test_a_pass_over_an_empty_table_is_recorded(db):
    report = services.decay_pass_run(on_date=DAY)

    assert not report.already_done
    assert DecayPass.objects.get(date=DAY).finished


def test_a_pass_reports_progress_per_chunk(evaluation_factory):
    for _ in range(5):
        evaluation_factory(score=80)
    progress = []

    services.decay_pass_run(
        on_date=DAY, chunk_size=2, progress=lambda d, t: progress.append((d, t))
    )

    assert [total for _, total in progress] == [5, 5, 5]
    assert progress[-1][0] == 5


def test_a_new_type_decays_by_its_own_amounts(evaluation_factory, monkeypatch):
    class UkCompanyNumber(EvaluationType):
        kind = "UK_CRN"
        label = "UK company number"
        decay_unreachable_high = 7
        decay_unreachable_low = 4

        def normalise(self, raw):
            return raw.strip().upper()

    monkeypatch.setitem(registry._types, "UK_CRN", UkCompanyNumber())
    high = evaluation_factory(
        kind="UK_CRN", state=State.UNCONFIRMED, reason=Reason.UNABLE_TO_REACH_API, score=60
    )
    low = evaluation_factory(
        kind="UK_CRN", state=State.UNCONFIRMED, reason=Reason.UNABLE_TO_REACH_API, score=10
    )

    services.decay_pass_run(on_date=DAY)

    high.refresh_from_db()
    low.refresh_from_db()
    assert (high.score, low.score) == (53, 6)
