"""API shapes of the leads app. They parse and present; the services decide."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api.serializers import PlainRowsMixin
from core.boundary import MAX_ID
from leads.models import Lead, QualificationRun, RunStatus


class CheckSerializer(PlainRowsMixin, serializers.Serializer):
    """One system's check in a run (a `QualificationCheck`; pending until it answers)."""

    status = serializers.CharField()
    reason = serializers.CharField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    latency_ms = serializers.FloatField(allow_null=True)


@extend_schema_field(
    {"type": "string", "description": "One of: " + ", ".join(RunStatus.values) + "."}
)
class RunStatusField(serializers.ChoiceField):
    """Documented as a plain string: drf-spectacular names enums by field name, and another
    app's `status` enum would collide with this one (a warning `check --deploy` fails on)."""

    def __init__(self, **kwargs) -> None:
        super().__init__(choices=RunStatus.choices, **kwargs)


class RunSerializer(PlainRowsMixin, serializers.ModelSerializer):
    lead = serializers.PrimaryKeyRelatedField(read_only=True)
    status = RunStatusField(read_only=True)
    requested_by = serializers.SlugRelatedField(
        slug_field="username",
        read_only=True,
        allow_null=True,
        help_text="Username of who asked; null for the system or a deleted user.",
    )
    # Empty (declared as such) until the run is done, as stored.
    outcome = serializers.ChoiceField(
        choices=QualificationRun._meta.get_field("outcome").choices,
        allow_blank=True,
        read_only=True,
        help_text="The decision; empty until the run is done.",
    )
    registry = CheckSerializer(source="checks_by_system.registry", read_only=True)
    archives = CheckSerializer(source="checks_by_system.archives", read_only=True)
    scoring = CheckSerializer(source="checks_by_system.scoring", read_only=True)
    wall_ms = serializers.FloatField(read_only=True, allow_null=True)
    reference = serializers.CharField(
        read_only=True,
        help_text="The id the run's log lines carry (its task's id): quote it to support "
        "about a check that was unavailable. Empty until the run starts.",
    )

    class Meta:
        model = QualificationRun
        fields = [
            "id",
            "lead",
            "status",
            "outcome",
            "score",
            "reasons",
            "registry",
            "archives",
            "scoring",
            "requested_by",
            "source",
            "created_at",
            "started_at",
            "finished_at",
            "wall_ms",
            "reference",
        ]
        read_only_fields = fields


class LeadSerializer(PlainRowsMixin, serializers.ModelSerializer):
    # An id, checked by the service (which reports a missing user on `owner` like any rule).
    owner = serializers.IntegerField(
        source="owner_id",
        required=False,
        min_value=1,
        max_value=MAX_ID,
        help_text="The sales agent in charge; only sales managers may choose someone else. "
        "Default: you.",
    )
    owner_username = serializers.CharField(source="owner.username", read_only=True)
    # Declared without validators: the rules (national id, birth date, phone, uniqueness) are
    # the service's, which reports every bad field at once.
    national_id = serializers.CharField(
        max_length=40, help_text="Validated for settings.NATIONAL_ID_COUNTRY; spaces allowed."
    )
    # The range (core.boundary.BIRTH_DATE) is the model's validator, checked by the service.
    birth_date = serializers.DateField(help_text="1900-01-01 .. today.")
    phone = serializers.CharField(max_length=32)

    class Meta:
        model = Lead
        fields = [
            "id",
            "first_name",
            "last_name",
            "birth_date",
            "national_id",
            "email",
            "phone",
            "owner",
            "owner_username",
            "stage",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["stage", "created_at", "updated_at"]

    def get_validators(self) -> list:
        return []


class BulkQualifySerializer(serializers.Serializer):
    leads = serializers.PrimaryKeyRelatedField(
        many=True, queryset=Lead.objects.none(), allow_empty=False
    )

    def __init__(self, *args, queryset=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if queryset is not None:  # the leads the caller may see
            self.fields["leads"].child_relation.queryset = queryset


class BulkQualifyResponseSerializer(serializers.Serializer):
    runs = RunSerializer(many=True)
