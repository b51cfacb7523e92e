from django.conf import settings
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.audit import audit_timeline
from loans.models import FailureCode, LoanApplication


class LoanApplicationCreateSerializer(serializers.Serializer):
    """Input of `POST /api/loans/applications/`. The service re-checks every rule."""

    first_name = serializers.CharField(max_length=100)
    last_name = serializers.CharField(max_length=100)
    email = serializers.EmailField(max_length=254)
    amount = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        min_value=settings.LOANS_MIN_AMOUNT,
        max_value=settings.LOANS_MAX_AMOUNT,
    )
    currency = serializers.ChoiceField(choices=settings.LOANS_CURRENCIES, default="EUR")


class HistoryEntrySerializer(serializers.Serializer):
    at = serializers.DateTimeField(source="created_at")
    actor = serializers.CharField(source="actor_label")
    action = serializers.CharField()
    changes = serializers.DictField()
    reason = serializers.CharField()


class LoanApplicationSerializer(serializers.ModelSerializer):
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

    @extend_schema_field(HistoryEntrySerializer(many=True))
    def get_history(self, application) -> list[dict]:
        return HistoryEntrySerializer(audit_timeline(application), many=True).data
