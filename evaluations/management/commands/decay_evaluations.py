"""`manage.py decay_evaluations [--date YYYY-MM-DD]`: one decay pass in the foreground,
re-evaluations included, with progress bars (tqdm) and a summary."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, OutputWrapper
from django.utils import timezone
from tqdm import tqdm

from core import present
from core.boundary import parse_date_option
from evaluations import services


class _Stream:
    """The command's stdout as tqdm writes to it: text as it comes (OutputWrapper would end
    every piece with a newline), so a terminal redraws one line."""

    def __init__(self, out: OutputWrapper) -> None:
        self.out = out

    def write(self, text: str) -> None:
        self.out.write(text, ending="")

    def flush(self) -> None:
        self.out.flush()

    def isatty(self) -> bool:
        return self.out.isatty()


def progress_bar(out: OutputWrapper, *, desc: str, total: int, unit: str) -> tqdm:
    """A bar on the command's stdout. In a log (not a terminal) it is redrawn at most every
    30 s, and its last state is always written."""
    stream = _Stream(out)
    return tqdm(
        total=total,
        desc=desc,
        unit=unit,
        file=stream,
        mininterval=0.1 if stream.isatty() else 30,
        dynamic_ncols=stream.isatty(),
        ncols=None if stream.isatty() else 80,
    )


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
                bars.append(progress_bar(self.stdout, desc="decay", total=total, unit="rows"))
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
                self.stdout, desc="re-evaluate", total=due, unit="evaluations"
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
