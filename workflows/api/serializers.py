from __future__ import annotations

from typing import Any

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api.serializers import PlainRowsMixin
from workflows import selectors
from workflows.loader import definition_of
from workflows.models import Customer, StepResult, Upload, WorkflowDefinition, WorkflowRun

STATUS_HELP = "waiting (for a person's input) | running (automatic steps) | completed | failed"


class WorkflowStepSummarySerializer(serializers.Serializer):
    id = serializers.CharField()
    type = serializers.CharField()
    title = serializers.CharField()
    waits_for_person = serializers.BooleanField()


class WorkflowDefinitionSerializer(serializers.ModelSerializer):
    steps = serializers.SerializerMethodField()
    start_step = serializers.SerializerMethodField()
    template_url = serializers.SerializerMethodField()
    description = serializers.SerializerMethodField()

    class Meta:
        model = WorkflowDefinition
        fields = [
            "key", "version", "checksum", "title", "description", "start_step", "steps",
            "template_url", "loaded_at",
        ]  # fmt: skip
        read_only_fields = fields

    def _definition(self, row):
        return definition_of(row)

    @extend_schema_field(WorkflowStepSummarySerializer(many=True))
    def get_steps(self, row) -> list[dict[str, Any]]:
        return [
            {"id": s.id, "type": s.type, "title": s.title, "waits_for_person": s.waits_for_person}
            for s in self._definition(row).ordered_steps()
        ]

    def get_start_step(self, row) -> str:
        return self._definition(row).start

    def get_description(self, row) -> str:
        return self._definition(row).description

    @extend_schema_field(OpenApiTypes.STR)
    def get_template_url(self, row) -> str | None:
        definition = self._definition(row)
        if definition.find_step_by_type("excel_upload") is None:
            return None
        return reverse("workflows:template", kwargs={"key": row.key})


class WorkflowDefinitionDetailSerializer(WorkflowDefinitionSerializer):
    spec = serializers.JSONField(help_text="The definition as loaded from its file.")

    class Meta(WorkflowDefinitionSerializer.Meta):
        fields = [*WorkflowDefinitionSerializer.Meta.fields, "spec"]
        read_only_fields = fields


class WorkflowPinnedDefinitionSerializer(PlainRowsMixin, serializers.ModelSerializer):
    class Meta:
        model = WorkflowDefinition
        fields = ["key", "version", "checksum", "title"]
        read_only_fields = fields


class WorkflowCustomerSerializer(PlainRowsMixin, serializers.ModelSerializer):
    class Meta:
        model = Customer
        fields = ["id", "first_name", "last_name", "date_of_birth"]
        read_only_fields = fields


class WorkflowStepResultSerializer(serializers.ModelSerializer):
    status = serializers.CharField(help_text="completed | failed")
    actor = serializers.CharField(source="actor_label")
    output = serializers.JSONField()
    errors = serializers.ListField(child=serializers.CharField())

    class Meta:
        model = StepResult
        fields = ["step_id", "step_type", "status", "actor", "started_at", "finished_at",
                  "output", "errors"]  # fmt: skip
        read_only_fields = fields


class WorkflowUploadSerializer(serializers.ModelSerializer):
    class Meta:
        model = Upload
        fields = ["id", "step_id", "field", "original_name", "size", "sha256", "created_at"]
        read_only_fields = fields


class WorkflowChartSeriesSerializer(serializers.Serializer):
    name = serializers.CharField()
    kind = serializers.CharField(help_text="bar | line")
    color = serializers.CharField(allow_null=True)
    values = serializers.ListField(child=serializers.FloatField())
    exact = serializers.ListField(child=serializers.CharField(), help_text="decimal strings")


class WorkflowChartSerializer(serializers.Serializer):
    title = serializers.CharField()
    x_title = serializers.CharField()
    y_title = serializers.CharField()
    x = serializers.ListField(child=serializers.CharField())
    series = WorkflowChartSeriesSerializer(many=True)
    totals = serializers.DictField(child=serializers.CharField())


class WorkflowRunSerializer(PlainRowsMixin, serializers.ModelSerializer):
    definition = WorkflowPinnedDefinitionSerializer(read_only=True)
    customer = WorkflowCustomerSerializer(read_only=True, allow_null=True)
    status = serializers.CharField(help_text=STATUS_HELP)
    created_by = serializers.SlugRelatedField(
        slug_field="username",
        read_only=True,
        allow_null=True,
        help_text="Username of who started it; null when started by the system (e.g. demo data) "
        "or by a user since deleted.",
    )
    error_details = serializers.ListField(child=serializers.CharField())

    class Meta:
        model = WorkflowRun
        fields = [
            "id", "definition", "status", "current_step", "customer", "error", "error_details",
            "created_by", "created_at", "updated_at", "finished_at",
        ]  # fmt: skip
        read_only_fields = fields


class WorkflowRunDetailSerializer(WorkflowRunSerializer):
    steps = WorkflowStepResultSerializer(many=True, read_only=True, source="step_results")
    uploads = WorkflowUploadSerializer(many=True, read_only=True)
    chart = serializers.SerializerMethodField()

    class Meta(WorkflowRunSerializer.Meta):
        fields = [*WorkflowRunSerializer.Meta.fields, "steps", "uploads", "chart"]
        read_only_fields = fields

    @extend_schema_field(WorkflowChartSerializer(allow_null=True))
    def get_chart(self, run) -> dict[str, Any] | None:
        return selectors.workflow_run_chart(run)


class WorkflowRunStartSerializer(serializers.Serializer):
    definition = serializers.CharField(
        max_length=64,
        help_text="The workflow's key, e.g. `customer_income_expenditure`. Any other field is "
        "the input of its first step (multipart for files); without them the run waits for it.",
    )
