from datetime import timedelta

from core.schedules import PeriodicJob

SCHEDULES = [
    PeriodicJob(
        name="workflows: resume stalled runs",
        task="workflows.resume_stalled",
        schedule=timedelta(minutes=1),
        description="Re-send runs whose automatic steps were lost (broker or worker failure).",
    )
]
