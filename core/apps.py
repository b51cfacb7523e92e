from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Platform"

    def ready(self) -> None:
        from django.conf import settings

        from core import admin_site  # noqa: F401  (brands the admin)
        from core.schedules import sync_after_migrate

        # Periodic tasks declared in code appear in the admin as soon as the tables exist.
        post_migrate.connect(sync_after_migrate, sender=self, dispatch_uid="core.sync_schedules")
        post_migrate.connect(_ensure_roles, sender=self, dispatch_uid="core.ensure_roles")
        _connect_task_request_ids()
        _connect_task_metrics()
        _connect_first_heartbeat()
        if settings.CLEAR_CONTENT_TYPE_CACHE_PER_TASK:
            from celery.signals import task_prerun

            task_prerun.connect(_clear_content_type_cache, weak=False)


def _connect_task_request_ids() -> None:
    # Work done in a worker logs under the id of the request that enqueued it (its own task
    # id when none did); the id travels in the message headers.
    from celery.signals import before_task_publish, task_postrun, task_prerun

    from core.request_id import task_finished, task_published, task_started

    before_task_publish.connect(task_published, weak=False, dispatch_uid="core.request_id.send")
    task_prerun.connect(task_started, weak=False, dispatch_uid="core.request_id.start")
    task_postrun.connect(task_finished, weak=False, dispatch_uid="core.request_id.finish")


def _connect_task_metrics() -> None:
    # Tasks by name and outcome, their run time; a worker's own /metrics port (core.metrics).
    from core.metrics import connect_task_signals

    connect_task_signals()


def _connect_first_heartbeat() -> None:
    # Beat sends a heartbeat to each queue every 30 s; a worker that has just started sends
    # one to each of its own queues at once, so the dashboard shows it from its first second.
    from celery.signals import worker_ready

    worker_ready.connect(_first_heartbeat, weak=False, dispatch_uid="core.first_heartbeat")


def _first_heartbeat(sender=None, **kwargs) -> None:
    from core.tasks import heartbeat

    try:
        queues = [queue.name for queue in sender.task_consumer.queues]
    except AttributeError:  # not a consumer we know: beat's heartbeats will come
        return
    for queue in queues:
        heartbeat.apply_async(kwargs={"queue": queue}, queue=queue)


def _ensure_roles(using: str = "default", **kwargs) -> None:
    from core.access import sync_role_permissions

    # Role groups and the model permissions they carry (core.access.ADMIN_PERMISSIONS).
    sync_role_permissions(using=using)


def _clear_content_type_cache(**kwargs) -> None:
    # Tests flush and recreate content types between tests while a worker process lives on;
    # its process-wide cache would otherwise point audit rows at ids that no longer exist.
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.clear_cache()
