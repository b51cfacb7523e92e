from django.conf import settings
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core import present
from core.api.serializers import AuditEventSerializer, PlainRowsMixin
from loans import selectors
from loans.models import FailureCode, LoanApplication


class LoanApplicationCreateSerializer(serializers.Serializer):
    """Input of `POST /api/loans/applications/`: parsed here (presence and types); every rule
    is the service's (`loans.services.loan_application_create`), which reports every bad
    field at once in the same error shape."""

    first_name = serializers.CharField(help_text="At most 100 characters.")
    last_name = serializers.CharField(help_text="At most 100 characters.")
    email = serializers.CharField(help_text="An email address, at most 254 characters.")
    amount = serializers.DecimalField(
        max_digits=None,
        decimal_places=None,
        help_text=f"Between {present.number_text(settings.LOANS_MIN_AMOUNT)} and "
        f"{present.number_text(settings.LOANS_MAX_AMOUNT)}, at most 2 decimal places.",
    )
    currency = serializers.CharField(
        default="EUR", help_text=f"One of {', '.join(settings.LOANS_CURRENCIES)} (any case)."
    )


class LoanApplicationSerializer(PlainRowsMixin, serializers.ModelSerializer):
    # Empty (declared as such) unless the application failed, as stored.
    failure_code = serializers.ChoiceField(
        choices=FailureCode.choices,
        allow_blank=True,
        read_only=True,
        help_text="Why it failed; empty unless the status is `failed`.",
    )

    class Meta:
        model = LoanApplication
        fields = [
            "id",
            "first_name",
            "last_name",
            "email",
            "amount",
            "currency",
            "status",
            "failure_code",
            "failure_reason",
            "bank_job_id",
            "created_at",
            "submitted_at",
            "decided_at",
            "next_attempt_at",
            "submit_attempts",
            "poll_count",
            "last_polled_at",
            "last_error",
            "error_reference",
        ]
        read_only_fields = fields


class LoanApplicationDetailSerializer(LoanApplicationSerializer):
    history = serializers.SerializerMethodField()

    class Meta(LoanApplicationSerializer.Meta):
        fields = [*LoanApplicationSerializer.Meta.fields, "history"]
        read_only_fields = fields

    @extend_schema_field(AuditEventSerializer(many=True))
    def get_history(self, application) -> list[dict]:
        events = selectors.loan_application_history(application=application)
        return AuditEventSerializer(events, many=True).data
