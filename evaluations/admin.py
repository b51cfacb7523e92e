"""Admin of the supplier evaluations app: read-mostly; changes go through the services."""

from django.contrib import admin, messages
from django.utils.html import format_html

from core.admin import AuditTrailInline, ReadOnlyAdminMixin
from evaluations import services
from evaluations.access import can_evaluate
from evaluations.models import DecayPass, Evaluation, State


class ScoreRangeFilter(admin.SimpleListFilter):
    title = "score"
    parameter_name = "score_range"
    RANGES = {"0": (0, 0), "1-49": (1, 49), "50-99": (50, 99), "100": (100, 100)}

    def lookups(self, request, model_admin):
        return [(key, key) for key in self.RANGES]

    def queryset(self, request, queryset):
        if self.value() in self.RANGES:
            low, high = self.RANGES[self.value()]
            return queryset.filter(score__gte=low, score__lte=high)
        return queryset


@admin.register(Evaluation)
class EvaluationAdmin(admin.ModelAdmin):
    list_display = (
        "id", "kind", "value", "company_name", "state_badge", "reason", "score",
        "last_evaluated_at", "last_decayed_on", "reevaluation_due",
    )  # fmt: skip
    list_filter = ("kind", "state", "reason", ScoreRangeFilter, "reevaluation_due")
    search_fields = ("value", "company_name")
    readonly_fields = (
        "kind", "value", "state", "reason", "score", "company_name", "created_at",
        "last_evaluated_at", "last_decayed_on", "reevaluation_due", "reevaluation_claimed_until",
    )  # fmt: skip
    inlines = [AuditTrailInline]
    actions = ["reevaluate"]
    list_per_page = 50
    show_full_result_count = False  # no COUNT(*) over a million rows on every page

    def has_add_permission(self, request) -> bool:
        return False  # created through the page or the API, which evaluate them

    def has_evaluate_permission(self, request) -> bool:
        return can_evaluate(request.user)

    @admin.display(description="state", ordering="state")
    def state_badge(self, obj: Evaluation) -> str:
        colour = {State.FAVORABLE: "green", State.UNFAVORABLE: "#c0262d"}.get(obj.state, "#8a5a00")
        return format_html('<strong style="color:{}">{}</strong>', colour, obj.get_state_display())

    @admin.action(description="Re-evaluate (queued for the workers)", permissions=["evaluate"])
    def reevaluate(self, request, queryset):
        queued, skipped = services.evaluations_queue_reevaluation(
            ids=list(queryset.values_list("pk", flat=True)), actor=request.user
        )
        messages.success(request, f"{queued} evaluation(s) queued for re-evaluation.")
        if skipped:
            messages.warning(
                request, f"{skipped} unfavorable evaluation(s) skipped: unfavorable is final."
            )


@admin.register(DecayPass)
class DecayPassAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "date", "started_at", "finished_at", "favorable_decayed", "unreachable_decayed",
        "reached_zero", "marked_due", "unfavorable_unchanged", "already_decayed",
    )  # fmt: skip
    date_hierarchy = "date"
