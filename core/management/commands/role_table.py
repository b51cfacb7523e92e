"""Print the role table (core.access) as the Markdown table the README shows."""

from django.core.management.base import BaseCommand

from core.access import role_table_markdown


class Command(BaseCommand):
    help = "Print the role table (who may do what) as Markdown, as in the README."

    def handle(self, *args, **options) -> None:
        self.stdout.write(role_table_markdown())
