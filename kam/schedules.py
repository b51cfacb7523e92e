"""Periodic jobs of the key accounts app (synced into django-celery-beat; staff own when)."""

from celery.schedules import crontab

from core.schedules import PeriodicJob

SCHEDULES = [
    PeriodicJob(
        name="kam: nightly performance snapshot",
        task="kam.performance_snapshot",
        # In settings.TIME_ZONE (the crontab row is created with it).
        schedule=crontab(minute=30, hour=1),
        description="Stores each account's performance and health band for the day.",
    ),
    PeriodicJob(
        name="kam: daily call reminders",
        task="kam.call_reminders",
        schedule=crontab(minute=0, hour=6),
        description="Stores and logs each KAM's overdue and today's calls (CallReminder).",
    ),
]
