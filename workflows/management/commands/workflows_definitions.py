"""Validate every workflow definition file and list them; exit 1 if any is broken."""

from django.core.management.base import BaseCommand, CommandError

from workflows import loader


class Command(BaseCommand):
    help = (
        "Validate all workflow definitions (JSON Schema, step configs, references) and list "
        "them. --store also makes them current in the database (as every migrate does): new "
        "runs use them at once."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--store", action="store_true", help="store the valid ones and make them current"
        )

    def handle(self, *args, store: bool = False, **options) -> None:
        definitions, errors = loader.load_all()
        for definition in definitions:
            steps = " -> ".join(f"{s.id} ({s.type})" for s in definition.ordered_steps())
            self.stdout.write(
                f"ok     {definition.source}: {definition.key} v{definition.version} "
                f'{definition.checksum[:12]} "{definition.title}": {steps}'
            )
        if store:
            from workflows.services import definitions_sync

            rows, _ = definitions_sync()
            self.stdout.write(f"stored {len(rows)} current definition(s)")
        for error in errors:  # one line per broken definition, every problem on it
            self.stderr.write(f"BROKEN {error.source}: {'; '.join(error.problems)}")
        self.stdout.write(f"{len(definitions)} valid, {len(errors)} broken")
        if errors:
            raise CommandError(f"{len(errors)} broken workflow definition(s)")
