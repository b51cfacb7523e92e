"""Periodic tasks declared in code, synced into django-celery-beat's tables.

Each app lists its jobs in `<app>/schedules.py` as `SCHEDULES = [PeriodicJob(...), ...]`.
`sync_periodic_tasks()` (run after every `migrate`, and by `manage.py sync_schedules`)
makes the database match: code owns *what* runs (task, queue, arguments, description);
staff own *when* and *whether* (the schedule and the enabled flag, edited in the admin),
so a deploy never silently undoes an edit made in the admin. A job removed from code is
removed from the database.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import timedelta
from importlib import import_module
from importlib.util import find_spec
from typing import Any

from celery.schedules import crontab
from django.apps import apps
from django.conf import settings
from django.db import transaction

logger = logging.getLogger(__name__)

#: Marks rows created from code, so rows staff add by hand are never touched.
CODE_MARK = "[declared in code]"


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    task: str
    schedule: crontab | timedelta
    queue: str = "default"
    kwargs: dict[str, Any] = field(default_factory=dict)
    description: str = ""


@dataclass
class SyncReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)


def declared_jobs() -> list[PeriodicJob]:
    jobs: list[PeriodicJob] = []
    for config in apps.get_app_configs():
        module_name = f"{config.name}.schedules"
        if config.name == "core":
            jobs.extend(SCHEDULES)
            continue
        if find_spec(module_name) is None:
            continue
        jobs.extend(getattr(import_module(module_name), "SCHEDULES", []))
    names = [job.name for job in jobs]
    duplicates = {name for name in names if names.count(name) > 1}
    if duplicates:
        raise ValueError(f"periodic job names must be unique: {sorted(duplicates)}")
    return jobs


def _schedule_fields(schedule: crontab | timedelta) -> dict[str, Any]:
    from django_celery_beat.models import CrontabSchedule, IntervalSchedule

    if isinstance(schedule, timedelta):
        interval, _ = IntervalSchedule.objects.get_or_create(
            every=int(schedule.total_seconds()), period=IntervalSchedule.SECONDS
        )
        return {"interval": interval, "crontab": None}
    cron, _ = CrontabSchedule.objects.get_or_create(
        minute=schedule._orig_minute,
        hour=schedule._orig_hour,
        day_of_week=schedule._orig_day_of_week,
        day_of_month=schedule._orig_day_of_month,
        month_of_year=schedule._orig_month_of_year,
        timezone=settings.TIME_ZONE,
    )
    return {"interval": None, "crontab": cron}


@transaction.atomic
def sync_periodic_tasks() -> SyncReport:
    from django_celery_beat.models import PeriodicTask

    report = SyncReport()
    jobs = declared_jobs()
    for job in jobs:
        code_owned = {
            "task": job.task,
            "queue": job.queue,
            "kwargs": json.dumps(job.kwargs, sort_keys=True),
            "description": f"{CODE_MARK} {job.description}".strip(),
        }
        existing = PeriodicTask.objects.filter(name=job.name).first()
        if existing is None:
            PeriodicTask.objects.create(
                name=job.name, **code_owned, **_schedule_fields(job.schedule)
            )
            report.created.append(job.name)
            continue
        changed = {k: v for k, v in code_owned.items() if getattr(existing, k) != v}
        if changed:
            for key, value in changed.items():
                setattr(existing, key, value)
            existing.save()
            report.updated.append(job.name)
    stale = PeriodicTask.objects.filter(description__startswith=CODE_MARK).exclude(
        name__in=[job.name for job in jobs]
    )
    report.removed = list(stale.values_list("name", flat=True))
    stale.delete()
    return report


def sync_after_migrate(**kwargs: Any) -> None:
    report = sync_periodic_tasks()
    if report.created or report.removed:
        logger.info(
            "periodic tasks: created %s, removed %s", report.created or "none", report.removed
        )


SCHEDULES = [
    PeriodicJob(
        name=f"core: heartbeat ({queue})",
        task="core.heartbeat",
        schedule=timedelta(seconds=30),
        queue=queue,
        kwargs={"queue": queue},
        description=f"Shows on the dashboard whether a worker consumes the '{queue}' queue.",
    )
    for queue in ("default", "polling")
]
