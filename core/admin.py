from django.contrib import admin
from django.contrib.contenttypes.admin import GenericTabularInline

from core.models import AuditEvent, QueueHeartbeat, WorkerPing


class ReadOnlyAdminMixin:
    """For records written only by the system: visible, never edited by hand."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class AuditTrailInline(ReadOnlyAdminMixin, GenericTabularInline):
    """Add to any ModelAdmin's `inlines` to show that object's audit trail."""

    model = AuditEvent
    ct_field = "content_type"
    ct_fk_field = "object_id"
    fields = ("created_at", "actor_label", "action", "changes", "reason", "request_id")
    readonly_fields = fields
    ordering = ("-created_at", "-id")
    extra = 0
    verbose_name = "audit event"
    verbose_name_plural = "audit trail"

    def has_view_permission(self, request, obj=None) -> bool:
        # Whoever may view the object sees its trail; the audit log of every app (the
        # AuditEvent admin) stays with administrators.
        opts = self.parent_model._meta
        return request.user.has_perm(f"{opts.app_label}.view_{opts.model_name}")


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("created_at", "object_repr", "content_type", "action", "actor_label")
    list_filter = ("content_type", "action", ("created_at", admin.DateFieldListFilter))
    # A reference a person quotes (request or task id) finds the change it belongs to.
    search_fields = ("object_repr", "object_id", "actor_label", "reason", "request_id")
    date_hierarchy = "created_at"
    list_select_related = ("content_type",)


@admin.register(QueueHeartbeat)
class QueueHeartbeatAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("queue", "received_at", "hostname", "pid")


@admin.register(WorkerPing)
class WorkerPingAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("id", "queue", "requested_at", "requested_by", "executed_at", "worker_hostname")
    list_select_related = ("requested_by",)
