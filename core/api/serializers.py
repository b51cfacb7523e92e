"""Serializers every app's API shares."""

from __future__ import annotations

import datetime
import operator
from collections.abc import Mapping

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.utils import timezone
from rest_framework import ISO_8601, serializers
from rest_framework.fields import SkipField
from rest_framework.relations import PKOnlyObject
from rest_framework.settings import api_settings

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


# --- rows at index speed (issue 12) -----------------------------------------------------------


class _Exact(Exception):
    """The fast getter could not answer: take DRF's own path for this field."""


def _plan_of(serializer) -> list[tuple]:
    """For each readable field: (name, field, getter or None, to_representation). The getter
    reads the attribute directly (no per-field try/except chain of `Field.get_attribute`);
    None means DRF's own `get_attribute` (a primary key read without loading the object)."""
    plan = []
    for field in serializer._readable_fields:
        attrs = field.source_attrs
        if isinstance(field, serializers.RelatedField) and field.use_pk_only_optimization():
            getter = None
        elif field.source == "*":
            getter = _identity
        elif len(attrs) == 1:
            getter = operator.attrgetter(attrs[0])
        else:
            getter = operator.attrgetter(".".join(attrs))
        plan.append((field.field_name, field, getter, field.to_representation, _kind(field)))
    return plan


#: How a plan renders a value: DRF's field, or (the same result, without the call) an ISO
#: datetime, a str that `str()` returns unchanged, an int that `int()` returns unchanged.
FIELD, ISO, SAME_STR, SAME_INT = 0, 1, 2, 3


def _kind(field) -> int:
    if _is_iso(field):
        return ISO
    represent = type(field).to_representation
    if represent in (
        serializers.CharField.to_representation,
        serializers.ChoiceField.to_representation,
    ):
        return SAME_STR
    if represent is serializers.IntegerField.to_representation:
        return SAME_INT
    return FIELD


def _is_iso(field) -> bool:
    """A datetime field DRF renders as ISO 8601 in the current zone (what `iso` does)."""
    kind = type(field)
    return (
        isinstance(field, serializers.DateTimeField)
        and settings.USE_TZ
        and kind.to_representation is serializers.DateTimeField.to_representation
        and kind.enforce_timezone is serializers.DateTimeField.enforce_timezone
        and not hasattr(field, "timezone")
        and str(getattr(field, "format", api_settings.DATETIME_FORMAT)).lower() == ISO_8601
    )


def iso(value, zone):
    """An aware datetime as DRF's DateTimeField renders it in `zone` (the current zone):
    ISO 8601, "Z" for UTC; `_Exact` for anything else (naive, a string)."""
    if type(value) is not datetime.datetime or value.utcoffset() is None:
        return _Exact
    text = value.astimezone(zone).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _identity(value):
    return value


class PlainRowsMixin:
    """Renders an object exactly as DRF's `Serializer.to_representation` would, with a plan
    compiled once per serializer instance: the child of a list serializer renders every row
    of a page without building any object per row or per field. Nested serializers and
    method fields are called as they are (make those return plain data too). A row that is
    a mapping, or a field whose attribute cannot be read plainly (a missing related object,
    a callable), takes DRF's own path: the output is the same byte for byte."""

    def to_representation(self, instance):
        if isinstance(instance, Mapping):
            return super().to_representation(instance)
        plan = self.__dict__.get("_plain_plan")
        if plan is None:
            plan = self.__dict__["_plain_plan"] = _plan_of(self)
        row = {}
        zone = None
        for name, field, getter, represent, kind in plan:
            if getter is not None:
                try:
                    value = getter(instance)
                except (AttributeError, ObjectDoesNotExist):
                    value = _Exact
                if value is None:
                    row[name] = None
                    continue
                if kind == SAME_STR:
                    if type(value) is str:
                        row[name] = value
                        continue
                elif kind == SAME_INT:
                    if type(value) is int:
                        row[name] = value
                        continue
                elif kind == ISO:
                    if zone is None:
                        zone = timezone.get_current_timezone()
                    text = iso(value, zone)
                    if text is not _Exact:
                        row[name] = text
                        continue
                if getter is _identity or (value is not _Exact and not callable(value)):
                    row[name] = represent(value)
                    continue
            try:
                attribute = field.get_attribute(instance)
            except SkipField:
                continue
            check = attribute.pk if isinstance(attribute, PKOnlyObject) else attribute
            row[name] = None if check is None else represent(attribute)
        return row
