"""`manage.py decay_evaluations [--date YYYY-MM-DD]`: one decay pass in the foreground,
re-evaluations included, with progress bars (tqdm) and a summary."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from tqdm import tqdm

from core import present
from core.boundary import parse_date_option
from core.commands import progress_bar
from evaluations import services


class Command(BaseCommand):
    help = "Run the decay pass for a date (default today), then re-evaluate the due ones."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--date", help="YYYY-MM-DD (default: today in settings.TIME_ZONE)")
        parser.add_argument("--chunk-size", type=int, default=None)
        parser.add_argument(
            "--concurrency",
            type=int,
            default=None,
            help="re-evaluations at once (default: EVALUATIONS_REEVALUATION_CONCURRENCY)",
        )

    def handle(self, *args, **options) -> None:
        try:
            day = parse_date_option(options["date"]) if options["date"] else timezone.localdate()
        except ValueError as error:
            raise CommandError(f"--date {error}") from None
        bars: list[tqdm] = []  # made at the first chunk, when the total is known

        def advance(done: int, total: int) -> None:
            if not bars:
                bars.append(
                    progress_bar(self.stdout, desc="decay", total=total, unit="rows", in_logs=True)
                )
            bars[0].update(done - bars[0].n)

        try:
            report = services.decay_pass_run(
                on_date=day, chunk_size=options["chunk_size"], progress=advance
            )
        finally:
            for bar in bars:
                bar.close()
        for line in report.summary_lines():
            self.stdout.write(line)
        if report.already_done:
            return
        due = report.due_now
        reevaluated = 0
        if due:
            with progress_bar(
                self.stdout, desc="re-evaluate", total=due, unit="evaluations", in_logs=True
            ) as bar:
                reevaluated = services.reevaluate_all_due(
                    concurrency=options["concurrency"]
                    or settings.EVALUATIONS_REEVALUATION_CONCURRENCY,
                    progress=lambda _done: bar.update(1),
                )
        self.stdout.write(
            f"  re-evaluated                       {present.number_text(reevaluated)}"
        )
        self.stdout.write(
            f"  unchanged                          {present.number_text(report.unchanged)}"
        )
