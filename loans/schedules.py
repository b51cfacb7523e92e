from datetime import timedelta

from django.conf import settings

from core.schedules import PeriodicJob

SCHEDULES = [
    PeriodicJob(
        name="loans: dispatch due submissions and polls",
        task="loans.dispatch_due",
        schedule=timedelta(seconds=max(1, round(settings.LOANS_DISPATCH_EVERY))),
        queue="polling",
        description=(
            "Claims the applications whose next bank call is due and hands them to the "
            "workers in batches: submissions (retries, and any not sent at once), and polls."
        ),
    )
]
