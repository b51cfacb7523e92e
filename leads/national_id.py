"""National identification numbers: one python-stdnum module per supported country.

The country comes from `settings.NATIONAL_ID_COUNTRY` (default `FR`: the French NIR, the
15-digit social security number with its 2-digit key). Numbers are stored compact (no
spaces) so that the same person is the same string everywhere.
"""

from __future__ import annotations

from importlib import import_module
from types import ModuleType

from django.conf import settings
from django.core.exceptions import ValidationError
from stdnum.exceptions import ValidationError as StdnumError

#: Country code -> the python-stdnum module of its personal identification number.
VALIDATORS: dict[str, str] = {
    "BE": "stdnum.be.nn",  # Belgian national number (rijksregisternummer)
    "DK": "stdnum.dk.cpr",
    "ES": "stdnum.es.dni",
    "FI": "stdnum.fi.hetu",
    "FR": "stdnum.fr.nir",  # numéro de sécurité sociale
    "IT": "stdnum.it.codicefiscale",
    "NL": "stdnum.nl.bsn",
    "NO": "stdnum.no.fodselsnummer",
    "PL": "stdnum.pl.pesel",
    "SE": "stdnum.se.personnummer",
}


def stdnum_module(country: str | None = None) -> ModuleType:
    code = (country or settings.NATIONAL_ID_COUNTRY).upper()
    try:
        return import_module(VALIDATORS[code])
    except KeyError:
        raise ValueError(
            f"NATIONAL_ID_COUNTRY={code!r} is not supported (supported: {', '.join(VALIDATORS)})"
        ) from None


def normalise_national_id(value: str, *, country: str | None = None) -> str:
    """The compact, validated number, or a Django `ValidationError` saying what is wrong."""
    module = stdnum_module(country)
    try:
        return module.validate(value)
    except StdnumError as error:
        code = (country or settings.NATIONAL_ID_COUNTRY).upper()
        raise ValidationError(
            f"Not a valid national identification number for {code}: {error.message}",
            code="invalid_national_id",
        ) from None


def validate_national_id(value: str) -> None:
    """Model field validator (a plain function, so migrations do not capture the country)."""
    normalise_national_id(value)


def format_national_id(value: str) -> str:
    """The number the way people write it (e.g. `2 84 05 75 116 045 66`), best effort."""
    module = stdnum_module()
    try:
        return module.format(value) if hasattr(module, "format") else value
    except StdnumError:
        return value
