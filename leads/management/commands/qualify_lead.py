"""`manage.py qualify_lead <id>... | --all-pending [--json]`: qualify leads now, in this process.

Runs the same services as the API and the worker, with at most LEADS_BULK_CONCURRENCY leads
in flight. Prints one line per lead (or one JSON document with --json) and a progress bar
on stderr. Exit code: 0 when every lead got a decision (prospect or rejected, or was already
a prospect), 1 when any could not be decided (needs review, already being qualified).
"""

from __future__ import annotations

import json
import sys
import time

from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.commands import progress_bar
from core.errors import ApplicationError, ConflictError
from core.present import duration
from leads.models import QualificationRun, RunSource, Stage
from leads.selectors import pending_lead_ids, unknown_lead_ids
from leads.services import qualification_runs_execute, qualification_start

DECIDED = {Stage.PROSPECT, Stage.REJECTED}


def run_line(run: QualificationRun) -> str:
    score = f", score {run.score}" if run.score is not None else ""
    checks = ", ".join(
        f"{check.system} {check.status}"
        + (f" {duration(check.latency_ms, unit='ms')}" if check.latency_ms is not None else "")
        for check in run.check_list
    )
    wall = f" in {duration(run.wall_ms, unit='ms')}" if run.wall_ms is not None else ""
    return (
        f"lead {run.lead_id} {run.lead.full_name}: {run.outcome}{score}{wall} "
        f"[{checks}] run {run.pk}" + (f" - {'; '.join(run.reasons)}" if run.reasons else "")
    )


def run_json(run: QualificationRun) -> dict:
    return {
        "lead": run.lead_id,
        "run": run.pk,
        "outcome": run.outcome,
        "score": run.score,
        "reasons": run.reasons,
        "checks": {
            check.system: {"status": check.status, "latency_ms": check.latency_ms}
            for check in run.check_list
        },
        "wall_ms": run.wall_ms,
        # The id this command's log lines carry: support finds an unavailable check's detail.
        "reference": run.reference,
    }


class Command(BaseCommand):
    help = "Qualify leads now: national registry and judicial archives in parallel, then score."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("lead_ids", nargs="*", type=int, metavar="id", help="lead ids")
        parser.add_argument(
            "--all-pending",
            action="store_true",
            help="every lead not yet decided (stage lead or needs review, no run under way)",
        )
        parser.add_argument("--json", action="store_true", help="one JSON document on stdout")
        parser.add_argument(
            "--concurrency",
            type=int,
            default=None,
            help="leads in flight at once (default LEADS_BULK_CONCURRENCY)",
        )

    def handle(self, *args, lead_ids: list[int], all_pending: bool, json: bool, **options) -> None:
        if bool(lead_ids) == all_pending:
            raise CommandError("give lead ids or --all-pending (not both)")
        ids = pending_lead_ids() if all_pending else list(dict.fromkeys(lead_ids))
        unknown = unknown_lead_ids(lead_ids=ids)
        if unknown:
            raise CommandError(
                f"unknown lead id{'s' if len(unknown) > 1 else ''}: {', '.join(map(str, unknown))}"
            )

        results: list[dict] = []
        undecided = 0
        to_run: list[int] = []
        for lead_id in ids:
            try:
                started = qualification_start(
                    lead_id=lead_id, requested_by="leads.cli", source=RunSource.CLI, enqueue=False
                )
            except ApplicationError as error:
                # The one conflict is "already a prospect": decided already, not a failure.
                results.append({"lead": lead_id, "outcome": None, "skipped": error.message})
                undecided += not isinstance(error, ConflictError)
                self._line(json, f"lead {lead_id}: skipped - {error.message}")
                continue
            if not started.created:
                message = f"already being qualified by run {started.run.pk}"
                results.append(
                    {"lead": lead_id, "run": started.run.pk, "outcome": None, "skipped": message}
                )
                undecided += 1
                self._line(json, f"lead {lead_id}: skipped - {message}")
                continue
            to_run.append(started.run.pk)

        bar = progress_bar(self.stderr, total=len(to_run), unit="leads")

        def finished(run: QualificationRun) -> None:
            nonlocal undecided
            undecided += run.outcome not in DECIDED
            results.append(run_json(run))
            self._line(json, run_line(run))
            bar.update()

        started_at = time.perf_counter()
        with bar:
            qualification_runs_execute(
                run_ids=to_run, concurrency=options["concurrency"], on_finished=finished
            )
        elapsed = time.perf_counter() - started_at

        summary = {
            "leads": len(ids),
            "qualified": len(to_run),
            "outcomes": {
                stage: sum(r.get("outcome") == stage for r in results)
                for stage in ("prospect", "rejected", "needs_review")
            },
            "undecided": undecided,
            "seconds": round(elapsed, 3),
        }
        if json:
            self.stdout.write(_json_dumps({"results": results, "summary": summary}))
        else:
            outcomes = ", ".join(f"{n} {stage}" for stage, n in summary["outcomes"].items())
            self.stdout.write(
                f"{len(to_run)} qualified in {duration(elapsed)}: {outcomes}; "
                f"{undecided} not decided"
            )
        if undecided:
            sys.exit(1)

    def _line(self, as_json: bool, text: str) -> None:
        if not as_json:
            self.stdout.write(text)


def _json_dumps(data: dict) -> str:
    return json.dumps(data, indent=2, default=str)
