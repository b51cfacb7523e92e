"""`manage.py evaluate <kind> <value>`: create or re-evaluate one evaluation and print it."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from core import present
from core.errors import ApplicationError
from evaluations import services
from evaluations.models import Reason, State
from evaluations.types import registry


class Command(BaseCommand):
    help = "Evaluate a company now (create it, or re-evaluate it), and print the evaluation."

    def add_arguments(self, parser) -> None:
        parser.add_argument("kind", help=f"one of: {', '.join(registry.kinds())}")
        parser.add_argument("value", help="the company's number, e.g. 732829320 or IE6388047V")

    def handle(self, *args, **options) -> None:
        try:
            evaluation, created = services.evaluation_evaluate(
                kind=options["kind"].upper(), value=options["value"], actor="manage.py evaluate"
            )
        except ApplicationError as error:
            details = [message for messages in error.fields.values() for message in messages]
            raise CommandError(" ".join(details) or error.message) from None
        state = present.choice_label(evaluation.state, State)
        reason = present.choice_label(evaluation.reason, Reason)
        self.stdout.write(
            f"{'Created' if created else 'Re-evaluated'} #{evaluation.pk} {evaluation.kind} "
            f"{evaluation.value}: {state} / {reason}, score "
            f"{present.number_text(evaluation.score)}"
            + (f" ({evaluation.company_name})" if evaluation.company_name else "")
        )
