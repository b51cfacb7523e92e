"""Periodic tasks declared in code are synced into the database; staff edits survive."""

from datetime import timedelta

import pytest
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from core import schedules
from core.schedules import CODE_MARK, PeriodicJob, sync_periodic_tasks

pytestmark = pytest.mark.django_db


def test_migrate_created_the_declared_heartbeats():
    task = PeriodicTask.objects.get(name="core: heartbeat (polling)")

    assert task.task == "core.heartbeat"
    assert task.queue == "polling"
    assert task.interval.every == 30
    assert task.description.startswith(CODE_MARK)


def test_staff_edits_to_schedule_and_enabled_survive_a_sync():
    task = PeriodicTask.objects.get(name="core: heartbeat (default)")
    task.interval, _ = IntervalSchedule.objects.get_or_create(every=120, period="seconds")
    task.enabled = False
    task.save()

    sync_periodic_tasks()

    task.refresh_from_db()
    assert task.interval.every == 120
    assert task.enabled is False


def test_code_owned_fields_are_put_back(monkeypatch):
    PeriodicTask.objects.filter(name="core: heartbeat (default)").update(queue="wrong")

    report = sync_periodic_tasks()

    assert report.updated == ["core: heartbeat (default)"]
    assert PeriodicTask.objects.get(name="core: heartbeat (default)").queue == "default"


def test_jobs_removed_from_code_are_removed_and_hand_made_ones_kept(monkeypatch):
    interval, _ = IntervalSchedule.objects.get_or_create(every=60, period="seconds")
    PeriodicTask.objects.create(name="old job", task="x", interval=interval,
                                description=f"{CODE_MARK} gone")  # fmt: skip
    PeriodicTask.objects.create(name="made by staff", task="y", interval=interval)

    report = sync_periodic_tasks()

    assert report.removed == ["old job"]
    assert PeriodicTask.objects.filter(name="made by staff").exists()


def test_a_new_crontab_job_is_created_in_the_configured_time_zone(monkeypatch, settings):
    from celery.schedules import crontab

    nightly = PeriodicJob(name="nightly", task="z", schedule=crontab(minute="0", hour="2"))
    monkeypatch.setattr(schedules, "SCHEDULES", [*schedules.SCHEDULES, nightly])

    report = sync_periodic_tasks()

    task = PeriodicTask.objects.get(name="nightly")
    assert report.created == ["nightly"]
    assert (task.crontab.minute, task.crontab.hour) == ("0", "2")
    assert str(task.crontab.timezone) == settings.TIME_ZONE


def test_duplicate_names_are_refused(monkeypatch):
    job = PeriodicJob(name="twice", task="z", schedule=timedelta(seconds=5))
    monkeypatch.setattr(schedules, "SCHEDULES", [job, job])

    with pytest.raises(ValueError, match="twice"):
        sync_periodic_tasks()
