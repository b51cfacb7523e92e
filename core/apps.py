from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Platform"

    def ready(self) -> None:
        from core import admin_site  # noqa: F401  (brands the admin)
        from core.schedules import sync_after_migrate

        # Periodic tasks declared in code appear in the admin as soon as the tables exist.
        post_migrate.connect(sync_after_migrate, sender=self, dispatch_uid="core.sync_schedules")
