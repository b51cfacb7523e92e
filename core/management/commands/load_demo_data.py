"""Load each app's demo data (`<app>/demo.py` with a `load(stdout)` function), idempotently."""

from importlib import import_module
from importlib.util import find_spec

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from core.dashboard import DASHBOARD_APPS


class Command(BaseCommand):
    help = "Load demo data for every app that has some (development only)."

    def handle(self, *args, **options) -> None:
        if not settings.DEBUG:
            raise CommandError("refusing to load demo data: DEBUG is off")
        loaded = []
        for app in DASHBOARD_APPS:
            if find_spec(f"{app}.demo") is None:
                continue
            import_module(f"{app}.demo").load(stdout=self.stdout)
            loaded.append(app)
        self.stdout.write(f"Demo data loaded for: {', '.join(loaded) or 'no app yet'}")
