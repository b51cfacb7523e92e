"""Periodic jobs of the evaluations app (synced into django-celery-beat; staff own when)."""

from celery.schedules import crontab

from core.schedules import PeriodicJob

SCHEDULES = [
    PeriodicJob(
        name="evaluations: nightly score decay",
        task="evaluations.decay_pass",
        # In settings.TIME_ZONE (the crontab row is created with it).
        schedule=crontab(minute=0, hour=2),
        description="Applies the score rules to every evaluation, then re-evaluates the due ones.",
    ),
]
