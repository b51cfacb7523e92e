"""The pluggable evaluation types: each brings its number validation, its source and its two
decay amounts (rule 4). Adding a type is one class here plus `registry.register(...)`:

    class UkCompanyNumberType(EvaluationType):
        kind = "UK_CRN"
        label = "UK company number"
        decay_unreachable_high = 2   # unable_to_reach_api, score >= 50
        decay_unreachable_low = 2    # unable_to_reach_api, score < 50

        def normalise(self, raw): ...           # return the canonical form or raise InvalidNumber
        def build_source(self): return CompaniesHouseSource(...)

    registry.register(UkCompanyNumberType())

The model's `kind` choices, the API, the forms, the admin filters and the set-based decay pass
all read this registry, so nothing else changes (and no migration is needed).
"""

from __future__ import annotations

import threading

from django.conf import settings
from stdnum.eu import vat as eu_vat
from stdnum.exceptions import InvalidComponent
from stdnum.exceptions import ValidationError as StdnumValidationError
from stdnum.fr import siren
from stdnum.gb import vat as gb_vat
from stdnum.util import clean

from evaluations.outcomes import Source
from evaluations.sources import ByCountry, build_source


class InvalidNumber(ValueError):
    """The identifier is not valid for its type; the message is meant for people."""


class EvaluationType:
    kind: str
    label: str
    #: Rule 4 (unconfirmed / unable_to_reach_api): decrease when score >= 50, and when < 50.
    decay_unreachable_high: int
    decay_unreachable_low: int
    #: Shown next to the number in the form and the API schema (`TypeRegistry.help_text`).
    help_text: str = ""

    def __init__(self) -> None:
        self._source: Source | None = None
        self._lock = threading.Lock()

    def normalise(self, raw: str) -> str:
        """The canonical form of the identifier, or `InvalidNumber`."""
        raise NotImplementedError

    def build_source(self) -> Source:
        raise NotImplementedError

    def source(self) -> Source:
        """One source per process (a seeded fake keeps advancing its sequence)."""
        with self._lock:
            if self._source is None:
                self._source = self.build_source()
            return self._source

    def reset_source(self) -> None:
        """Forget the source, so the next call builds it from the current settings (tests)."""
        with self._lock:
            self._source = None


class SirenType(EvaluationType):
    kind = "SIREN"
    label = "SIREN"
    decay_unreachable_high = 5
    decay_unreachable_low = 1
    help_text = "French company number: 9 digits with a check digit, e.g. 356 000 000."

    def normalise(self, raw: str) -> str:
        try:
            return siren.validate(raw)
        except StdnumValidationError as error:
            raise InvalidNumber(f"Not a valid SIREN ({_why(error)}).") from None

    def build_source(self) -> Source:
        """INSEE Sirene by default (settings.EVALUATIONS_SIREN_SOURCE)."""
        return build_source(settings.EVALUATIONS_SIREN_SOURCE)


class VatType(EvaluationType):
    kind = "VAT"
    label = "VAT number"
    decay_unreachable_high = 1
    decay_unreachable_low = 3
    help_text = "EU or UK VAT number with its country prefix, e.g. NL004495445B01, GB553557874."

    def normalise(self, raw: str) -> str:
        compact = clean(raw, " -./,").upper().strip() if isinstance(raw, str) else ""
        if not compact[:2].isalpha():
            raise InvalidNumber(
                "Not a valid VAT number (it must start with its country code, e.g. IE)."
            )
        try:
            # The UK left the EU VAT system (stdnum.eu.vat no longer knows GB): checked apart.
            if compact.startswith("GB"):
                return "GB" + gb_vat.validate(compact)
            return eu_vat.validate(compact)
        except InvalidComponent:
            raise InvalidNumber(
                f"Not a valid VAT number ({compact[:2]} is not an EU member state or the UK)."
            ) from None
        except StdnumValidationError as error:
            raise InvalidNumber(f"Not a valid VAT number ({_why(error)}).") from None

    def build_source(self) -> Source:
        """Per country: GB to HMRC (settings.EVALUATIONS_VAT_GB_SOURCE), the EU member states
        and XI (Northern Ireland) to VIES (settings.EVALUATIONS_VAT_SOURCE); "random" for
        either is the VAT fake."""
        default = build_source(settings.EVALUATIONS_VAT_SOURCE)
        return ByCountry(default, {"GB": build_source(settings.EVALUATIONS_VAT_GB_SOURCE)})


def _why(error: StdnumValidationError) -> str:
    return str(error).rstrip(".").lower() or "invalid"


class TypeRegistry:
    def __init__(self) -> None:
        self._types: dict[str, EvaluationType] = {}

    def register(self, evaluation_type: EvaluationType) -> EvaluationType:
        if evaluation_type.kind in self._types:
            raise ValueError(f"evaluation type {evaluation_type.kind!r} is already registered")
        if min(evaluation_type.decay_unreachable_high, evaluation_type.decay_unreachable_low) < 0:
            raise ValueError("decay amounts cannot be negative")
        self._types[evaluation_type.kind] = evaluation_type
        return evaluation_type

    def get(self, kind: str) -> EvaluationType:
        """The type of `kind`, or KeyError."""
        return self._types[kind]

    def __contains__(self, kind: object) -> bool:
        return kind in self._types

    def __iter__(self):
        return iter(self._types.values())

    def kinds(self) -> list[str]:
        return list(self._types)

    def choices(self) -> list[tuple[str, str]]:
        return [(t.kind, t.label) for t in self._types.values()]

    def help_text(self) -> str:
        """What the number of each type looks like, for the form and the API schema."""
        return " ".join(f"{t.label}: {t.help_text}" for t in self._types.values() if t.help_text)


registry = TypeRegistry()
registry.register(SirenType())
registry.register(VatType())
