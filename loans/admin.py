from django.contrib import admin, messages

from core import present
from core.admin import AuditTrailInline
from core.errors import ApplicationError
from loans import selectors, services
from loans.access import can_resubmit
from loans.models import LoanApplication


@admin.register(LoanApplication)
class LoanApplicationAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "first_name",
        "last_name",
        "email",
        "amount_shown",
        "status",
        "created_at",
        "decided_at",
        "poll_count",
    )
    list_filter = ("status", "currency", "failure_code", ("created_at", admin.DateFieldListFilter))
    search_fields = ("id", "first_name", "last_name", "email", "bank_job_id")
    date_hierarchy = "created_at"
    ordering = ("-created_at",)
    inlines = [AuditTrailInline]
    actions = ["poll_now", "resubmit"]
    # Names and amount stay editable, so a refused application can be corrected, then
    # re-submitted; everything the bank or the scheduler owns is read-only.
    readonly_fields = (
        "id",
        "status",
        "failure_code",
        "failure_reason",
        "bank_job_id",
        "created_by",
        "created_at",
        "submitted_at",
        "decided_at",
        "next_attempt_at",
        "claimed_until",
        "submit_attempts",
        "poll_count",
        "last_polled_at",
        "last_error",
        "error_reference",
        "request_id",
    )
    exclude = ("claim_token",)

    @admin.display(description="amount", ordering="amount")
    def amount_shown(self, application: LoanApplication) -> str:
        return present.money(application.amount, application.currency)

    def has_add_permission(self, request) -> bool:
        return False  # created through the form or the API, which send it to the bank

    def has_resubmit_permission(self, request) -> bool:
        return can_resubmit(request.user)

    def get_queryset(self, request):
        # The rows any reader of loans gets (the page, the API): the one selector.
        return selectors.loan_application_list(user=request.user)

    @admin.action(description="Poll the bank now (pending applications)", permissions=["resubmit"])
    def poll_now(self, request, queryset) -> None:
        ids = list(queryset.values_list("id", flat=True))
        done = sum(
            services.loan_application_poll_now(application_id=application_id, actor=request.user)
            for application_id in ids
        )
        self.message_user(request, f"{done} application(s) will be polled within a second.")
        if skipped := len(ids) - done:
            self.message_user(
                request, f"{skipped} skipped: only pending ones are polled.", messages.WARNING
            )

    @admin.action(
        description="Re-submit to the bank (failed applications)", permissions=["resubmit"]
    )
    def resubmit(self, request, queryset) -> None:
        done, refused = 0, []
        for application in queryset:
            try:
                services.loan_application_resubmit(
                    application_id=application.id, actor=request.user
                )
                done += 1
            except ApplicationError as exc:
                refused.append(f"{application}: {exc.message}")
        if done:
            self.message_user(request, f"{done} application(s) re-submitted.")
        for message in refused:
            self.message_user(request, message, messages.WARNING)
