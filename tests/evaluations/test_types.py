"""Identifier validation and normalisation (python-stdnum), and the type registry."""

import pytest

from evaluations.types import EvaluationType, InvalidNumber, TypeRegistry, registry


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [("732829320", "732829320"), ("732 829 320", "732829320"), (" 552.032.534 ", "552032534")],
)
def test_a_siren_is_normalised(raw, normalised):
    assert registry.get("SIREN").normalise(raw) == normalised


@pytest.mark.parametrize(
    ("raw", "why"),
    [("732829321", "check digit"), ("12345678", "length"), ("ABCDEFGHI", "format"), ("", "")],
)
def test_an_invalid_siren_is_refused_with_the_reason(raw, why):
    with pytest.raises(InvalidNumber) as caught:
        registry.get("SIREN").normalise(raw)

    assert "Not a valid SIREN" in str(caught.value)
    assert why in str(caught.value)


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("IE6388047V", "IE6388047V"),
        ("LU26375245", "LU26375245"),
        ("GB727255821", "GB727255821"),
        ("gb 727 2558 21", "GB727255821"),
        ("ie6388047v", "IE6388047V"),
        ("FR 40 303 265 045", "FR40303265045"),
        ("DE136695976", "DE136695976"),
        ("XI727255821", "XI727255821"),
    ],
)
def test_eu_and_uk_vat_numbers_are_accepted_and_normalised(raw, normalised):
    assert registry.get("VAT").normalise(raw) == normalised


@pytest.mark.parametrize(
    "raw", ["IE6388047X", "LU26375246", "GB727255822", "727255821", "US123456789", "FR", "123"]
)
def test_an_invalid_vat_number_is_refused(raw):
    with pytest.raises(InvalidNumber, match="VAT number"):
        registry.get("VAT").normalise(raw)


def test_each_type_brings_its_two_decay_amounts():
    assert (
        registry.get("SIREN").decay_unreachable_high,
        registry.get("SIREN").decay_unreachable_low,
    ) == (5, 1)
    assert (
        registry.get("VAT").decay_unreachable_high,
        registry.get("VAT").decay_unreachable_low,
    ) == (1, 3)


def test_a_type_is_registered_once():
    class Thing(EvaluationType):
        kind = "THING"
        label = "Thing"
        decay_unreachable_high = 2
        decay_unreachable_low = 2

    local = TypeRegistry()
    local.register(Thing())

    assert local.choices() == [("THING", "Thing")]
    with pytest.raises(ValueError, match="already registered"):
        local.register(Thing())


def test_the_form_and_the_api_describe_the_number_of_every_registered_type(monkeypatch):
    from evaluations.api.serializers import EvaluationCreateSerializer
    from evaluations.forms import EvaluationCreateForm

    class UkCompanyNumber(EvaluationType):
        kind = "UK_CRN"
        label = "UK company number"
        decay_unreachable_high = 2
        decay_unreachable_low = 2
        help_text = "8 characters, e.g. 00445790."

    monkeypatch.setitem(registry._types, "UK_CRN", UkCompanyNumber())

    form_help = str(EvaluationCreateForm()["value"].help_text)
    api_help = str(EvaluationCreateSerializer().fields["value"].help_text)
    for text in (form_help, api_help):
        assert "SIREN: French company number" in text
        assert "VAT number: EU or UK VAT number" in text
        assert "UK company number: 8 characters, e.g. 00445790." in text
