"""Every page form of our apps refuses control characters per field (core.boundary.forms),
and a form and a serializer of the same date input give the same message."""

from __future__ import annotations

import datetime as dt
import importlib
import inspect
import pkgutil
import zoneinfo

import pytest
from django import forms
from rest_framework import serializers

from core.boundary import EVENT, PLANNED
from core.boundary import forms as boundary_forms
from core.boundary import serializers as boundary_serializers
from core.boundary.forms import BoundaryForm, BoundaryFormMixin

OUR_APPS = ("core", "leads", "loans", "kam", "workflows", "evaluations")
#: Admin forms are covered by the middleware, which refuses admin posts holding control
#: characters before any form reads them (tests/core/test_boundary_http.py).
NOT_PAGE_FORMS = (".admin", ".migrations", ".management")


def _our_modules():
    for app in OUR_APPS:
        package = importlib.import_module(app)
        yield package
        for info in pkgutil.walk_packages(package.__path__, prefix=f"{app}."):
            if any(part in info.name for part in NOT_PAGE_FORMS):
                continue
            yield importlib.import_module(info.name)


def our_form_classes() -> list[type[forms.BaseForm]]:
    found = {}
    for module in _our_modules():
        for _, value in inspect.getmembers(module, inspect.isclass):
            if issubclass(value, forms.BaseForm) and value.__module__ == module.__name__:
                found[value.__qualname__ + value.__module__] = value
    return list(found.values())


def test_every_form_of_our_apps_uses_the_boundary():
    classes = our_form_classes()
    names = {cls.__name__ for cls in classes}

    assert {"LeadForm", "LoanApplicationForm", "CallForm", "EvaluationCreateForm"} <= names
    missing = [
        f"{c.__module__}.{c.__name__}" for c in classes if not issubclass(c, BoundaryFormMixin)
    ]
    assert not missing, f"forms without core.boundary.forms.BoundaryForm: {missing}"


@pytest.mark.django_db
def test_the_workflow_step_forms_use_it_too():
    from workflows import services

    rows, errors = services.definitions_sync()
    assert rows
    assert not errors
    for row in rows:
        definition = services.definition_of(row)
        for step in definition.ordered_steps():
            if step.waits_for_person:
                assert issubclass(services.step_form_class(definition, step), BoundaryForm)


class ExampleForm(BoundaryForm):
    name = forms.CharField()
    note = forms.CharField(required=False)
    kinds = forms.MultipleChoiceField(choices=[("a", "A"), ("b", "B")], required=False)
    agree = forms.BooleanField(required=False)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", "Ada\x00"),
        ("note", "line\x1b[2J"),
        ("kinds", ["a", "b\x07"]),
        ("agree", "on\x00"),  # a checkbox would take any text for True
    ],
)
def test_a_control_character_is_one_error_on_its_field_and_the_rest_is_kept(field, value):
    from django.http import QueryDict

    data = QueryDict(mutable=True)
    data.update({"name": "Ada", "note": "kept note"})
    data.setlist(field, value if isinstance(value, list) else [value])

    form = ExampleForm(data)

    assert not form.is_valid()
    assert list(form.errors) == [field]
    assert len(form.errors[field]) == 1
    assert form.errors[field][0].startswith("Remove the control character U+00")
    assert form.errors.as_data()[field][0].code == "control_character"
    if field != "note":
        assert "kept note" in form.as_p()


def test_djangos_own_nul_message_is_replaced_by_ours():
    form = ExampleForm({"name": "a\x00"})

    assert form.errors["name"] == ["Remove the control character U+0000: text may not contain any."]


# --- one message for a form and a serializer of the same input --------------------------------


class CallSerializer(serializers.Serializer):
    occurred_at = boundary_serializers.BoundedDateTimeField(date_range=EVENT)
    next_call_at = boundary_serializers.BoundedDateTimeField(date_range=PLANNED)


class CallForm(BoundaryForm):
    occurred_at = boundary_forms.BoundedDateTimeField(date_range=EVENT)
    next_call_at = boundary_forms.BoundedDateTimeField(date_range=PLANNED)


@pytest.mark.parametrize(
    "value",
    [
        "0001-01-01T00:00:00",
        "0001-01-01T00:00:00+14:00",
        "9999-12-31T23:59:59-12:00",
        "9999-12-31T23:59:59",
        "2101-01-01T00:00",
        "1900-01-01T00:00Z",
    ],
)
def test_a_form_and_a_serializer_give_the_same_message(value):
    serializer = CallSerializer(data={"occurred_at": value, "next_call_at": value})
    form = CallForm({"occurred_at": value, "next_call_at": value})

    assert not serializer.is_valid()
    assert not form.is_valid()
    for name, date_range in (("occurred_at", EVENT), ("next_call_at", PLANNED)):
        assert [str(m) for m in serializer.errors[name]] == [date_range.message()]
        assert form.errors[name] == [date_range.message()]


def test_the_form_reads_a_local_time_in_the_zone_it_is_given():
    form = CallForm({"occurred_at": "2026-01-01T10:00", "next_call_at": ""})
    zone = zoneinfo.ZoneInfo("Pacific/Kiritimati")
    form.fields["occurred_at"].zone = zone

    form.is_valid()

    assert form.cleaned_data["occurred_at"] == dt.datetime(2026, 1, 1, 10, tzinfo=zone)


@pytest.mark.parametrize("value", ["2026-02-30T10:00", "yesterday", "2026-01-01T25:00"])
def test_a_malformed_datetime_is_the_usual_invalid_message(value):
    form = CallForm({"occurred_at": value})

    assert form.errors["occurred_at"] == ["Enter a valid date/time."]
