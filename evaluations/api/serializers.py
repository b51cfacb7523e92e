"""Shapes of the evaluations API."""

from __future__ import annotations

from django.utils.functional import lazy
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api.serializers import AuditEventSerializer, PlainRowsMixin
from evaluations import selectors
from evaluations.models import Evaluation
from evaluations.types import registry


class EvaluationCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=registry.choices())
    value = serializers.CharField(
        max_length=64,
        help_text=lazy(
            lambda: (
                "The company's number, validated and normalised (python-stdnum). "
                + registry.help_text()
            ),
            str,
        )(),
    )


class ScorePointSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    score = serializers.IntegerField()
    what = serializers.CharField(help_text="What set the score, for people.")


class EvaluationSerializer(PlainRowsMixin, serializers.ModelSerializer):
    class Meta:
        model = Evaluation
        fields = [
            "id",
            "kind",
            "value",
            "state",
            "reason",
            "score",
            "company_name",
            "created_at",
            "last_evaluated_at",
            "last_decayed_on",
            "reevaluation_due",
        ]
        read_only_fields = fields


class EvaluationDetailSerializer(EvaluationSerializer):
    history = serializers.SerializerMethodField()
    score_history = serializers.SerializerMethodField()

    class Meta(EvaluationSerializer.Meta):
        fields = [*EvaluationSerializer.Meta.fields, "company_address", "history", "score_history"]
        read_only_fields = fields

    @extend_schema_field(AuditEventSerializer(many=True))
    def get_history(self, evaluation: Evaluation) -> list[dict]:
        """The audit trail, newest first."""
        return AuditEventSerializer(selectors.evaluation_history(evaluation), many=True).data

    @extend_schema_field(ScorePointSerializer(many=True))
    def get_score_history(self, evaluation: Evaluation) -> list[dict]:
        points = selectors.evaluation_score_series(evaluation)
        return ScorePointSerializer(points, many=True).data
