"""Admin of the workflows app: definitions read-only (they come from files), runs, customers."""

import json

from django.contrib import admin
from django.utils.html import format_html

from core.admin import AuditTrailInline, ReadOnlyAdminMixin
from workflows.models import Customer, StepResult, Upload, WorkflowDefinition, WorkflowRun


@admin.register(WorkflowDefinition)
class WorkflowDefinitionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Definitions are edited as files (workflows/definitions/); here they are only shown."""

    list_display = (
        "key", "version", "title", "short_checksum", "is_current", "source", "loaded_at",
    )  # fmt: skip
    list_filter = ("key", "is_current")
    search_fields = ("key", "title", "checksum")
    fields = ("key", "version", "title", "checksum", "is_current", "source", "loaded_at",
              "pretty_spec")  # fmt: skip
    readonly_fields = fields

    @admin.display(description="checksum")
    def short_checksum(self, obj: WorkflowDefinition) -> str:
        return obj.checksum[:12]

    @admin.display(description="spec")
    def pretty_spec(self, obj: WorkflowDefinition) -> str:
        return format_html("<pre>{}</pre>", json.dumps(obj.spec, indent=2, ensure_ascii=False))


class StepResultInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = StepResult
    fields = ("step_id", "step_type", "status", "actor_label", "started_at", "finished_at",
              "errors")  # fmt: skip
    readonly_fields = fields
    extra = 0


class UploadInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Upload
    fields = ("original_name", "size", "sha256", "step_id", "field", "created_at")
    readonly_fields = fields
    extra = 0


@admin.register(WorkflowRun)
class WorkflowRunAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Runs change through their steps (pages, API, workers), never by hand."""

    list_display = ("id", "definition", "customer", "status", "current_step", "created_by",
                    "created_at", "finished_at")  # fmt: skip
    list_filter = ("status", "definition__key", ("created_at", admin.DateFieldListFilter))
    search_fields = ("id", "customer__first_name", "customer__last_name")
    list_select_related = ("definition", "customer", "created_by")
    date_hierarchy = "created_at"
    readonly_fields = ("id", "definition", "customer", "status", "current_step", "error",
                       "error_details", "created_by", "created_at", "updated_at", "finished_at",
                       "claimed_until")  # fmt: skip
    exclude = ("claim_token",)
    inlines = [StepResultInline, UploadInline, AuditTrailInline]


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ("last_name", "first_name", "date_of_birth", "created_at")
    search_fields = ("first_name", "last_name")
    date_hierarchy = "created_at"
    readonly_fields = ("created_by", "created_at")
