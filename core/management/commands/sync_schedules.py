from django.core.management.base import BaseCommand

from core.schedules import sync_periodic_tasks


class Command(BaseCommand):
    help = "Make the periodic tasks in the database match those declared in code."

    def handle(self, *args, **options) -> None:
        report = sync_periodic_tasks()
        self.stdout.write(
            f"periodic tasks: {len(report.created)} created, {len(report.updated)} updated, "
            f"{len(report.removed)} removed"
        )
        for label, names in (
            ("created", report.created),
            ("updated", report.updated),
            ("removed", report.removed),
        ):
            for name in names:
                self.stdout.write(f"  {label}: {name}")
