import django_filters

from core.boundary.forms import DateFilter
from loans.models import LoanApplication, Status


class LoanApplicationFilter(django_filters.FilterSet):
    """Parses and documents the list's query parameters; `loans.selectors.loan_application_list`
    filters (the API view's `select`)."""

    status = django_filters.MultipleChoiceFilter(
        choices=Status.choices, help_text="One or more statuses (repeat the parameter)."
    )
    currency = django_filters.CharFilter(help_text="A currency code, e.g. EUR (any case).")
    created_from = DateFilter(
        field_name="created_at__date",
        lookup_expr="gte",
        help_text="YYYY-MM-DD, inclusive (1900-01-01 .. 2100-12-31).",
    )
    created_to = DateFilter(
        field_name="created_at__date",
        lookup_expr="lte",
        help_text="YYYY-MM-DD, inclusive (1900-01-01 .. 2100-12-31).",
    )

    search = django_filters.CharFilter(
        help_text="Words, each found in the first name, last name or email (case-insensitive)."
    )

    class Meta:
        model = LoanApplication
        fields = ["status", "currency", "created_from", "created_to", "search"]

    def is_valid(self) -> bool:
        valid = super().is_valid()
        start, end = (self.form.cleaned_data.get(k) for k in ("created_from", "created_to"))
        if valid and start and end and start > end:
            self.form.add_error("created_to", "Must be on or after created_from.")
            return False
        return valid
