"""`manage.py decay_evaluations [--date YYYY-MM-DD]`: one decay pass in the foreground,
re-evaluations included, with a progress bar and a summary."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from core.boundary import parse_date_option
from evaluations import services


class ProgressBar:
    def __init__(self, stdout, label: str, width: int = 30) -> None:
        self.stdout, self.label, self.width = stdout, label, width
        self.tty = stdout.isatty() if hasattr(stdout, "isatty") else False
        self.last_tenth = -1

    def update(self, done: int, total: int) -> None:
        fraction = done / total if total else 1.0
        filled = int(self.width * fraction)
        bar = "#" * filled + "." * (self.width - filled)
        line = f"{self.label} [{bar}] {fraction:4.0%} {done}/{total}"
        if self.tty:
            self.stdout.write("\r" + line, ending="")
            if done >= total:
                self.stdout.write("")
        elif int(fraction * 10) != self.last_tenth:  # logs: one line per 10 %
            self.last_tenth = int(fraction * 10)
            self.stdout.write(line)


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
        bar = ProgressBar(self.stdout, "decay     ")
        report = services.decay_pass_run(
            on_date=day, chunk_size=options["chunk_size"], progress=bar.update
        )
        for line in report.summary_lines():
            self.stdout.write(line)
        if report.already_done:
            return
        due = report.due_now
        reevaluated = 0
        if due:
            reeval_bar = ProgressBar(self.stdout, "re-evaluate")
            reevaluated = services.reevaluate_all_due(
                concurrency=options["concurrency"] or settings.EVALUATIONS_REEVALUATION_CONCURRENCY,
                progress=lambda n: reeval_bar.update(min(n, due), due),
            )
        self.stdout.write(f"  re-evaluated                       {reevaluated}")
        self.stdout.write(f"  unchanged                          {report.unchanged}")
