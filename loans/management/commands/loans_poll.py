"""Poll the bank for every pending application that is due, in this process."""

import time

from django.core.management.base import BaseCommand, CommandError

from core import present
from loans.services import loan_applications_poll_due_now


class Command(BaseCommand):
    help = "Poll the bank for the pending applications that are due now and print a summary."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--once", action="store_true", help="one pass, then exit")
        parser.add_argument("--batch-size", type=int, default=None)

    def handle(self, *args, once: bool, batch_size: int | None, **options) -> None:
        if batch_size is not None and batch_size < 1:
            raise CommandError("--batch-size must be at least 1")
        if not once:
            raise CommandError("only --once is supported; the poller worker polls continuously")
        started = time.perf_counter()
        summary = loan_applications_poll_due_now(batch_size=batch_size)
        elapsed = time.perf_counter() - started
        self.stdout.write(f"{summary} in {present.duration(elapsed)}")
