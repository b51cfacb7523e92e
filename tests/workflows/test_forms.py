"""The Django form a `form` step generates from its field list."""

import datetime as dt

import pytest
import yaml
from django import forms
from django.utils import timezone

from tests.workflows.conftest import BAD_FILES, DEFINITIONS, KEY
from workflows.forms import step_form_class
from workflows.loader import validate_spec

pytestmark = pytest.mark.django_db


def definition(extra_fields=()):
    spec = yaml.safe_load((DEFINITIONS / f"{KEY}.yaml").read_text())
    spec["steps"][0]["config"]["fields"] += list(extra_fields)
    return validate_spec(spec, source="test")


def customer_form(data=None, files=None, extra_fields=()):
    d = definition(extra_fields)
    return step_form_class(d, d.first_step)(data, files)


def test_the_fields_come_from_the_definition():
    form = customer_form()

    assert list(form.fields) == [
        "first_name", "last_name", "date_of_birth", "currency", "statement",
    ]  # fmt: skip
    assert isinstance(form.fields["first_name"], forms.CharField)
    assert form.fields["first_name"].max_length == 100
    assert isinstance(form.fields["date_of_birth"], forms.DateField)
    assert isinstance(form.fields["statement"], forms.FileField)
    assert all(field.required for name, field in form.fields.items() if name != "currency")
    assert form.fields["currency"].initial == "EUR"  # WORKFLOWS_DEFAULT_CURRENCY
    html = form.as_div()
    assert 'type="date"' in html
    assert 'accept=".xlsx,.csv"' in html
    assert "Income and expenses (.xlsx or .csv)" in html


def test_a_valid_submission(customer_input, upload):
    form = customer_form(customer_input, {"statement": upload()})

    assert form.is_valid(), form.errors
    assert form.cleaned_data["date_of_birth"] == dt.date(1985, 12, 10)


def test_required_fields_and_date_rules(upload):
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    form = customer_form({"first_name": "", "last_name": "x" * 101, "date_of_birth": tomorrow})

    assert not form.is_valid()
    assert form.errors["first_name"] == ["This field is required."]
    assert form.errors["last_name"] == [
        "Ensure this value has at most 100 characters (it has 101)."
    ]
    assert form.errors["date_of_birth"] == ["Must be between 1900-01-01 and today."]
    assert form.errors["statement"] == ["This field is required."]
    old = customer_form({"first_name": "A", "last_name": "B", "date_of_birth": "1899-12-31"})
    assert old.errors["date_of_birth"] == ["Must be between 1900-01-01 and today."]


def test_the_file_is_checked_against_the_excel_step(customer_input, upload):
    bad = BAD_FILES["text in an amount"]
    form = customer_form(customer_input, {"statement": upload(bad.content)})

    assert not form.is_valid()
    assert form.errors["statement"] == ["B7: income must be a number, got 'abc'."]


def test_number_and_choice_fields_with_their_rules(customer_input, upload):
    extra = [
        {"name": "household", "type": "number", "label": "People in the household",
         "min": 1, "max": 20, "decimal_places": 0},
        {"name": "purpose", "type": "choice",
         "choices": ["home", {"value": "car", "label": "A car"}]},
        {"name": "note", "type": "text", "required": False, "pattern": "^[A-Z]"},
    ]  # fmt: skip
    form = customer_form(
        {**customer_input, "household": "0", "purpose": "boat", "note": "lower"},
        {"statement": upload()},
        extra,
    )

    assert not form.is_valid()
    assert form.errors["household"] == ["Ensure this value is greater than or equal to 1."]
    assert "Select a valid choice" in form.errors["purpose"][0]
    assert form.errors["note"] == ["Enter a valid value."]
    assert form.fields["purpose"].choices == [("home", "home"), ("car", "A car")]
    good = customer_form(
        {**customer_input, "household": "3", "purpose": "car"}, {"statement": upload()}, extra
    )
    assert good.is_valid(), good.errors


def test_bad_field_rules_are_refused_when_the_definition_loads():
    from workflows.loader import DefinitionError

    with pytest.raises(DefinitionError) as caught:
        definition([{"name": "when", "type": "date", "min": "yesterday"},
                    {"name": "first_name", "type": "text"}])  # fmt: skip

    assert caught.value.problems == [
        "steps[0].config.fields[5].min: must be a YYYY-MM-DD date or 'today', got 'yesterday'.",
        "steps[0].config.fields[6].name: 'first_name' is used by more than one field.",
    ]
