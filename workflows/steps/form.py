"""`form`: a person fills in a Django form generated from the field list in the definition.

Field types: text, date, number, choice, file. Every field is required unless `required:
false`. A date lies in the input boundary's range (core.boundary: FILTER, or BIRTH_DATE for
the customer's date of birth), narrowed by the field's `min`/`max`. A file field with
`excel_step: <step id>` is checked, when the form is submitted, against that excel_upload
step's column spec, so every problem in the file shows on the form.
An optional `customer` mapping says which fields make the run's customer record.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

from core.boundary import BIRTH_DATE, FILTER, Bound, DateRange
from core.boundary.forms import BoundaryForm, BoundedDateField
from workflows.steps.base import StepType

NAME = {"type": "string", "pattern": "^[a-z][a-z0-9_]{0,62}$"}
BOUND = {"oneOf": [{"type": "number"}, {"type": "string", "minLength": 1}]}
FIELD_TYPES = ["text", "date", "number", "choice", "file", "currency"]

FIELD_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "required": ["name", "type"],
    "properties": {
        "name": NAME,
        "type": {"enum": FIELD_TYPES},
        "label": {"type": "string", "maxLength": 200},
        "help_text": {"type": "string", "maxLength": 500},
        "required": {"type": "boolean"},
        "max_length": {"type": "integer", "minimum": 1, "maximum": 10000},
        "min_length": {"type": "integer", "minimum": 0},
        "pattern": {"type": "string"},
        "min": BOUND,
        "max": BOUND,
        "decimal_places": {"type": "integer", "minimum": 0, "maximum": 10},
        "choices": {
            "type": "array",
            "minItems": 1,
            "items": {
                "oneOf": [
                    {"type": "string"},
                    {
                        "type": "object",
                        "additionalProperties": False,
                        "required": ["value", "label"],
                        "properties": {"value": {"type": "string"}, "label": {"type": "string"}},
                    },
                ]
            },
        },
        "extensions": {"type": "array", "minItems": 1, "items": {"enum": ["xlsx", "csv"]}},
        "excel_step": NAME,
    },
}


class CurrencyField(forms.ChoiceField):
    """An ISO currency code among `codes`; proposes WORKFLOWS_DEFAULT_CURRENCY, which is also
    the value when none is sent (an API client that does not know the field)."""

    def __init__(self, *, codes: list[str], required: bool = True, **kwargs: Any) -> None:
        from babel.numbers import get_currency_name

        default = settings.WORKFLOWS_DEFAULT_CURRENCY
        codes = list(codes) if default in codes else [default, *codes]
        choices = [(code, f"{code} ({get_currency_name(code, locale='en')})") for code in codes]
        super().__init__(choices=choices, required=False, initial=default, **kwargs)

    def clean(self, value: Any) -> str:
        return super().clean(value) or settings.WORKFLOWS_DEFAULT_CURRENCY


def _today() -> dt.date:
    return timezone.localdate()


def date_bound(value: Any) -> dt.date:
    """A date bound from the definition: an ISO date, or `today`."""
    if value == "today":
        return _today()
    return dt.date.fromisoformat(str(value))


class FormStep(StepType):
    type = "form"
    waits_for_person = True
    config_schema = {
        "type": "object",
        "additionalProperties": False,
        "required": ["fields"],
        "properties": {
            "fields": {"type": "array", "minItems": 1, "items": FIELD_SCHEMA},
            "customer": {
                "type": "object",
                "description": "Form fields that make the run's customer record.",
                "additionalProperties": False,
                "required": ["first_name", "last_name", "date_of_birth"],
                "properties": {
                    "first_name": NAME,
                    "last_name": NAME,
                    "date_of_birth": NAME,
                },
            },
            "submit_label": {"type": "string", "maxLength": 80},
        },
    }

    def check(self, step, definition) -> Iterator[tuple[str, str]]:
        fields = step.config["fields"]
        names = [field["name"] for field in fields]
        by_name = {field["name"]: field for field in fields}
        for index, field in enumerate(fields):
            where = f"fields[{index}]"
            if names.index(field["name"]) != index:
                yield f"{where}.name", f"'{field['name']}' is used by more than one field."
            kind = field["type"]
            for bound in ("min", "max"):
                if bound not in field:
                    continue
                value = field[bound]
                if kind == "date":
                    try:
                        date_bound(value)
                    except (TypeError, ValueError):
                        yield (
                            f"{where}.{bound}",
                            f"must be a YYYY-MM-DD date or 'today', got {value!r}.",
                        )
                elif kind == "number":
                    if not isinstance(value, int | float):
                        yield f"{where}.{bound}", f"must be a number, got {value!r}."
                else:
                    yield f"{where}.{bound}", f"only date and number fields have a {bound}."
            if kind == "currency" and not all(
                isinstance(c, str) and len(c) == 3 and c.isupper() for c in field.get("choices", [])
            ):
                yield f"{where}.choices", "currency choices are ISO codes such as EUR."
            if kind == "choice" and not field.get("choices"):
                yield f"{where}.choices", "a choice field needs its choices."
            if kind == "file" and not field.get("extensions"):
                yield f"{where}.extensions", "a file field needs its accepted extensions."
            if "excel_step" in field:
                target = definition.steps.get(field["excel_step"])
                if kind != "file":
                    yield f"{where}.excel_step", "only a file field can be checked by a step."
                elif target is None or target.type != "excel_upload":
                    yield (
                        f"{where}.excel_step",
                        f"'{field['excel_step']}' is not an excel_upload step.",
                    )
        expected = {"first_name": "text", "last_name": "text", "date_of_birth": "date"}
        for role, name in (step.config.get("customer") or {}).items():
            field = by_name.get(name)
            if field is None:
                yield f"customer.{role}", f"no field named '{name}' in this form."
            elif field["type"] != expected[role]:
                yield f"customer.{role}", f"'{name}' must be a {expected[role]} field."

    def build_form(self, step, definition) -> type[forms.Form]:
        attrs: dict[str, Any] = {}
        excel_checks: dict[str, Any] = {}
        birth_date = (step.config.get("customer") or {}).get("date_of_birth")
        for spec in step.config["fields"]:
            attrs[spec["name"]] = _form_field(spec, birth_date=spec["name"] == birth_date)
            if spec.get("excel_step"):
                excel_checks[spec["name"]] = definition.steps[spec["excel_step"]]

        def make_clean(name: str, target):
            def clean(self):
                upload = self.cleaned_data.get(name)
                if upload:
                    errors = target.step_type.check_upload(
                        target, name=upload.name, size=upload.size, file=upload
                    )
                    upload.seek(0)
                    if errors:
                        raise ValidationError(errors)
                return upload

            return clean

        for name, target in excel_checks.items():
            attrs[f"clean_{name}"] = make_clean(name, target)
        attrs["step"] = step
        return type(f"{step.id.title().replace('_', '')}Form", (BoundaryForm,), attrs)

    def output_from_form(self, step, cleaned_data, upload_ids) -> dict[str, Any]:
        output: dict[str, Any] = {}
        for spec in step.config["fields"]:
            value = cleaned_data.get(spec["name"])
            if spec["type"] == "file":
                output[spec["name"]] = (
                    {"upload": upload_ids[spec["name"]], "name": value.name, "size": value.size}
                    if value
                    else None
                )
            elif isinstance(value, dt.date):
                output[spec["name"]] = value.isoformat()
            elif isinstance(value, Decimal):
                output[spec["name"]] = str(value)
            else:
                output[spec["name"]] = value
        return output


def _bound(value: Any) -> Bound | None:
    """A definition's `min`/`max` of a date field as a bound of the core range."""
    if value is None:
        return None
    if value == "today":
        return Bound(relative=lambda now: now, word="today")
    return Bound(fixed=date_bound(value))


def _date_range(spec: dict[str, Any], *, birth_date: bool) -> DateRange:
    """The core range of the field's kind (a birth date, or any other date: FILTER), narrowed
    by the definition's `min`/`max` (evaluated when the form is validated)."""
    base = BIRTH_DATE if birth_date else FILTER
    return base.narrowed(earliest=_bound(spec.get("min")), latest=_bound(spec.get("max")))


def _form_field(spec: dict[str, Any], *, birth_date: bool = False) -> forms.Field:
    common = {
        "label": spec.get("label") or spec["name"].replace("_", " ").capitalize(),
        "help_text": spec.get("help_text", ""),
        "required": spec.get("required", True),
    }
    kind = spec["type"]
    if kind == "text":
        field = forms.CharField(
            max_length=spec.get("max_length", 200), min_length=spec.get("min_length"), **common
        )
        if spec.get("pattern"):
            from django.core.validators import RegexValidator

            field.validators.append(RegexValidator(spec["pattern"]))
        return field
    if kind == "date":
        return BoundedDateField(
            date_range=_date_range(spec, birth_date=birth_date),
            widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            input_formats=["%Y-%m-%d"],
            **common,
        )
    if kind == "number":
        return forms.DecimalField(
            min_value=spec.get("min"),
            max_value=spec.get("max"),
            decimal_places=spec.get("decimal_places"),
            max_digits=18,
            **common,
        )
    if kind == "currency":
        return CurrencyField(codes=spec.get("choices") or settings.WORKFLOWS_CURRENCIES, **common)
    if kind == "choice":
        choices = [
            (item, item) if isinstance(item, str) else (item["value"], item["label"])
            for item in spec["choices"]
        ]
        return forms.ChoiceField(choices=choices, **common)
    extensions = spec.get("extensions", ["xlsx"])
    accept = ",".join(f".{extension}" for extension in extensions)
    return forms.FileField(
        widget=forms.ClearableFileInput(attrs={"accept": accept}),
        allow_empty_file=True,  # the excel check says "is empty" in its own words
        **common,
    )
