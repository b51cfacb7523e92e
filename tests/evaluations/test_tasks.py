"""Tasks and the schedule: the nightly task, the bounded runners, threads that never
re-evaluate a row twice."""

import pytest
from celery.schedules import crontab

from core.models import AuditEvent
from core.schedules import declared_jobs, sync_periodic_tasks
from evaluations import services, tasks
from evaluations.models import DecayPass, Evaluation, EvaluationAction


@pytest.mark.django_db
def test_the_nightly_task_runs_the_pass_and_starts_bounded_runners(
    evaluation_factory, settings, django_capture_on_commit_callbacks
):
    settings.EVALUATIONS_REEVALUATION_CONCURRENCY = 3
    for _ in range(5):
        evaluation_factory(score=0)
    evaluation_factory(score=50)

    with django_capture_on_commit_callbacks() as callbacks:
        tasks.decay_pass("2026-06-01")

    assert DecayPass.objects.get().date.isoformat() == "2026-06-01"
    assert Evaluation.objects.filter(reevaluation_due=True).count() == 5
    assert len(callbacks) == 3


@pytest.mark.django_db
def test_the_nightly_task_defaults_to_today_in_the_configured_time_zone(time_machine, settings):
    settings.TIME_ZONE = "Europe/Paris"
    time_machine.move_to("2026-06-01T23:30:00+00:00")  # already 2 June in Paris

    tasks.decay_pass()

    assert DecayPass.objects.get().date.isoformat() == "2026-06-02"


@pytest.mark.django_db
def test_a_runner_hands_over_when_its_time_is_up(
    evaluation_factory, fake_sources, settings, django_capture_on_commit_callbacks
):
    settings.EVALUATIONS_RUNNER_BUDGET = 0
    evaluation_factory(score=0, reevaluation_due=True)

    with django_capture_on_commit_callbacks() as callbacks:
        tasks.reevaluate_due()

    assert len(callbacks) == 1  # a fresh runner continues
    assert fake_sources["SIREN"].calls == []


@pytest.mark.django_db
def test_a_runner_stops_when_the_queue_is_empty(
    evaluation_factory, fake_sources, django_capture_on_commit_callbacks
):
    evaluation_factory(score=0, reevaluation_due=True)

    with django_capture_on_commit_callbacks() as callbacks:
        tasks.reevaluate_due()

    assert callbacks == []
    assert len(fake_sources["SIREN"].calls) == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_drains_reevaluate_each_row_exactly_once(evaluation_factory, fake_sources):
    rows = [evaluation_factory(score=0, reevaluation_due=True) for _ in range(12)]

    done = services.reevaluate_all_due(concurrency=4)

    assert done == 12
    assert sorted(fake_sources["SIREN"].calls) == sorted(r.value for r in rows)
    assert AuditEvent.objects.filter(action=EvaluationAction.REEVALUATED).count() == 12


def test_the_nightly_job_is_declared_at_two_in_the_morning():
    (job,) = [job for job in declared_jobs() if job.task == "evaluations.decay_pass"]

    assert job.schedule == crontab(minute=0, hour=2)
    assert job.queue == "default"


@pytest.mark.django_db
def test_the_nightly_job_is_synced_with_the_time_zone(settings):
    from django_celery_beat.models import PeriodicTask

    sync_periodic_tasks()

    task = PeriodicTask.objects.get(task="evaluations.decay_pass")
    assert (task.crontab.hour, task.crontab.minute) == ("2", "0")
    assert str(task.crontab.timezone) == settings.TIME_ZONE
