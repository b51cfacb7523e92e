"""Serializers every app's API shares."""

from __future__ import annotations

from rest_framework import serializers

from core.audit import action_label


class AuditEventSerializer(serializers.Serializer):
    """One event of an object's audit trail (`history` in every app's detail answers)."""

    at = serializers.DateTimeField(source="created_at")
    actor = serializers.CharField(
        source="actor_label", help_text="Username at the time, or 'system: <component>'."
    )
    action = serializers.CharField(help_text="Machine-readable: `<app>.<what happened>`.")
    action_label = serializers.SerializerMethodField(help_text="The action, for people.")
    changes = serializers.DictField(
        child=serializers.DictField(),
        help_text='What changed: `{"field": {"from": old, "to": new}}`.',
    )
    reason = serializers.CharField(help_text="Why, in a sentence (may be empty).")
    request_id = serializers.CharField(
        help_text="The id of the request or task that made the change (its log lines)."
    )

    def get_action_label(self, event) -> str:
        return action_label(event.action)
