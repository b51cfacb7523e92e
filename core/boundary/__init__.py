"""The input boundary every app goes through (README "Input rules").

The rules live in two modules; the others apply them at each door:

- `text`: control characters refused in every text input and query parameter;
- `dates`: the date and datetime ranges (`BIRTH_DATE`, `EVENT`, `PLANNED`, `FILTER`) and the
  check services use (`ensure_in_range`);
- `forms`: `BoundaryForm` / `BoundaryFormMixin` (every page form of our apps), the
  range-checked form fields and the django-filter date filter;
- `serializers`: the range-checked DRF fields;
- `parsers`: the DRF parsers (JSON, form, multipart) that refuse control characters, JSON
  nested deeper than `BOUNDARY_JSON_MAX_DEPTH` and numbers no column can hold;
- `http`: the middleware for query parameters, admin form posts and oversized bodies, and
  the 400 handler (JSON under /api/, the site's 400 page elsewhere).
"""

from core.boundary.dates import (
    BIRTH_DATE,
    EVENT,
    FILTER,
    PLANNED,
    Bound,
    DateRange,
    ensure_in_range,
    out_of_range_fields,
    parse_date_option,
    to_utc,
)
from core.boundary.parsers import INT64_MAX as MAX_ID  # the largest row id a column holds
from core.boundary.text import (
    control_character_problem,
    control_characters_in,
    find_control_character,
    printable,
)

__all__ = [
    "BIRTH_DATE",
    "EVENT",
    "FILTER",
    "MAX_ID",
    "PLANNED",
    "Bound",
    "DateRange",
    "control_character_problem",
    "control_characters_in",
    "ensure_in_range",
    "find_control_character",
    "out_of_range_fields",
    "parse_date_option",
    "printable",
    "to_utc",
]
