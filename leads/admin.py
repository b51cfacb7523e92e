"""Admin of the leads app: each model registers here with its filters and actions."""

from __future__ import annotations

from django.contrib import admin, messages

from core.access import ALL, scope
from core.admin import AuditTrailInline, ReadOnlyAdminMixin
from core.errors import ApplicationError
from core.present import choice_label
from leads.models import CheckStatus, Lead, QualificationCheck, QualificationRun, RunSource, System
from leads.services import qualification_start


@admin.display(description="checks")
def check_results(run: QualificationRun) -> str:
    """'National registry: Passed · Judicial archives: Unavailable · ...'"""
    return " · ".join(
        f"{check.get_system_display()}: {choice_label(check.status, CheckStatus)}"
        for check in run.check_list
    )


class RunInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = QualificationRun
    fields = ("created_at", "status", "outcome", "score", check_results, "requested_by", "source")
    readonly_fields = fields
    extra = 0
    ordering = ("-created_at",)
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("checks")


class CheckInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = QualificationCheck
    fields = ("system", "status", "reason", "started_at", "finished_at", "latency_ms", "response")
    readonly_fields = fields
    extra = 0
    ordering = ("id",)  # the order they finished in

    def has_view_permission(self, request, obj=None) -> bool:
        # Whoever may see a run sees its checks: they are part of it.
        return request.user.has_perm("leads.view_qualificationrun")


class UnavailableSystemFilter(admin.SimpleListFilter):
    """Runs in which a given system did not answer (how often is the archives down?)."""

    title = "system unavailable"
    parameter_name = "unavailable"

    def lookups(self, request, model_admin):
        return System.choices

    def queryset(self, request, queryset):
        if self.value() not in System.values:
            return queryset
        return queryset.filter(checks__system=self.value(), checks__status=CheckStatus.UNAVAILABLE)


@admin.action(description="Qualify the selected leads (in the background)", permissions=["qualify"])
def qualify_selected(modeladmin, request, queryset) -> None:
    started, already, refused = 0, 0, []
    for lead in queryset.order_by("pk"):
        try:
            result = qualification_start(
                lead_id=lead.pk, requested_by=request.user, source=RunSource.ADMIN
            )
        except ApplicationError as error:
            refused.append(f"{lead.full_name}: {error.message}")
            continue
        started += result.created
        already += not result.created
    modeladmin.message_user(
        request,
        f"{started} qualification(s) started; {already} already under way.",
        messages.SUCCESS,
    )
    for line in refused:
        modeladmin.message_user(request, line, messages.WARNING)


@admin.register(Lead)
class LeadAdmin(admin.ModelAdmin):
    list_display = ("__str__", "national_id", "owner", "stage", "created_at")
    list_filter = ("stage", "owner")
    search_fields = ("first_name", "last_name", "national_id", "email")
    list_select_related = ("owner",)
    readonly_fields = ("stage", "created_at", "updated_at")
    actions = [qualify_selected]
    inlines = [RunInline, AuditTrailInline]

    def has_qualify_permission(self, request) -> bool:
        return scope(request.user, "leads", "qualify") is ALL


@admin.register(QualificationRun)
class QualificationRunAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "id",
        "lead",
        "status",
        "outcome",
        "score",
        check_results,
        "created_at",
        "source",
    )
    list_filter = ("status", "outcome", UnavailableSystemFilter, "source")
    search_fields = ("lead__last_name", "lead__national_id")
    list_select_related = ("lead",)
    date_hierarchy = "created_at"
    inlines = [CheckInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("checks")
