"""API shapes of the key accounts app. They parse and present; the services decide."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api.serializers import PlainRowsMixin, iso
from core.boundary import EVENT, MAX_ID, PLANNED
from core.boundary.serializers import BoundedDateTimeField
from kam.models import (
    Band,
    CallOutcome,
    ContactRole,
    Interaction,
    InteractionKind,
    LeadStatus,
    Order,
    PointOfContact,
    Restaurant,
    Rhythm,
    Segment,
)
from kam.performance import Thresholds
from kam.selectors import performance, primary_contact, primary_contact_brief

CREATED_BY_HELP = "Username of who logged it; null for the system or a deleted user."


def choice(choices, **kwargs) -> serializers.ChoiceField:
    """A choice field documented as a plain string: drf-spectacular names enums after the
    field, and another app's `status` (or `kind`, `role`...) enum would collide with ours."""

    @extend_schema_field(
        {"type": "string", "description": "One of: " + ", ".join(v for v, _ in choices) + "."}
    )
    class _Choice(serializers.ChoiceField):
        pass

    return _Choice(choices=choices, **kwargs)


class PerformanceSerializer(PlainRowsMixin, serializers.Serializer):
    band = serializers.CharField(help_text="Computed now: " + ", ".join(Band.values) + ".")
    orders_30d = serializers.IntegerField()
    revenue_30d = serializers.DecimalField(max_digits=14, decimal_places=2)
    orders_90d = serializers.IntegerField()
    revenue_90d = serializers.DecimalField(max_digits=14, decimal_places=2)
    order_count = serializers.IntegerField()
    average_interval_days = serializers.FloatField(allow_null=True)
    days_since_last_order = serializers.FloatField(allow_null=True)


class ContactBriefSerializer(PlainRowsMixin, serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    role = serializers.CharField()
    phone = serializers.CharField()
    email = serializers.CharField()
    preferred_hours = serializers.CharField()


#: One instance each, for every row of every request: a serializer built per row deep-copies
#: its fields (thousands of objects in reference cycles per page, then long full GCs).
_PERFORMANCE = PerformanceSerializer()
_CONTACT_BRIEF = ContactBriefSerializer()


def contact_brief(account: Restaurant) -> dict | None:
    """The account's primary contact as `ContactBriefSerializer` documents it: the column
    `selectors.with_last_call` annotates (plain data, as read), else one query."""
    if hasattr(account, "primary_contact_brief"):
        return primary_contact_brief(account)
    contact = primary_contact(account)
    return _CONTACT_BRIEF.to_representation(contact) if contact is not None else None


class AccountSerializer(PlainRowsMixin, serializers.ModelSerializer):
    owner = serializers.IntegerField(
        source="owner_id",
        required=False,
        min_value=1,
        max_value=MAX_ID,
        help_text="The KAM in charge (user id); only a KAM lead may choose someone else. "
        "Default: you.",
    )
    owner_username = serializers.CharField(read_only=True)
    status = choice(LeadStatus.choices, read_only=True, help_text="Change with /transition/.")
    segment = choice(Segment.choices, required=False)
    rhythm = choice(Rhythm.choices, required=False)
    band = choice(Band.choices, read_only=True, help_text="Stored each night and after orders.")
    time_zone = serializers.CharField(max_length=64, help_text="IANA, e.g. Asia/Kolkata.")
    country = serializers.CharField(max_length=2, help_text="ISO 3166-1 alpha-2, e.g. FR.")
    currency = serializers.CharField(max_length=3, required=False)
    call_weekdays = serializers.CharField(
        max_length=7, required=False, allow_blank=True, help_text="Digits 0 (Mon) to 6 (Sun)."
    )
    call_every_days = serializers.IntegerField(required=False, min_value=1, max_value=365)
    call_hour = serializers.IntegerField(required=False, min_value=0, max_value=23)
    last_call_at = serializers.DateTimeField(read_only=True, allow_null=True)
    last_call_outcome = serializers.CharField(read_only=True, allow_null=True)
    primary_contact = serializers.SerializerMethodField()
    performance = serializers.SerializerMethodField()

    class Meta:
        model = Restaurant
        fields = [
            "id",
            "name",
            "address",
            "city",
            "country",
            "time_zone",
            "cuisine",
            "segment",
            "currency",
            "owner",
            "owner_username",
            "status",
            "rhythm",
            "call_every_days",
            "call_weekdays",
            "call_hour",
            "next_call_due_at",
            "last_call_at",
            "last_call_outcome",
            "band",
            "band_updated_at",
            "primary_contact",
            "performance",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["next_call_due_at", "band_updated_at", "created_at", "updated_at"]

    def get_validators(self) -> list:
        return []

    @extend_schema_field(ContactBriefSerializer(allow_null=True))
    def get_primary_contact(self, account: Restaurant):
        return contact_brief(account)

    @extend_schema_field(PerformanceSerializer(allow_null=True))
    def get_performance(self, account: Restaurant):
        if not hasattr(account, "order_figures"):
            return None
        # One instant and one reading of the thresholds for every row of a page.
        basis = self.__dict__.get("_performance_basis")
        if basis is None:
            basis = self.__dict__["_performance_basis"] = {
                "now": timezone.now(),
                "thresholds": Thresholds.from_settings(),
            }
        return _PERFORMANCE.to_representation(performance(account, **basis))


class TransitionSerializer(serializers.Serializer):
    status = choice(LeadStatus.choices)
    reason = serializers.CharField(max_length=1000)


class ReassignSerializer(serializers.Serializer):
    accounts = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        allow_empty=False,
        max_length=10_000,
    )
    kam = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, help_text="The new KAM's user id."
    )
    reason = serializers.CharField(max_length=1000)


class ReassignResultSerializer(serializers.Serializer):
    reassigned = serializers.IntegerField()


class AccountScopedMixin:
    """`restaurant` may only name the accounts the caller may change (`accounts=` queryset)."""

    def __init__(self, *args, accounts=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if accounts is not None:
            self.fields["restaurant"].queryset = accounts


class ContactSerializer(AccountScopedMixin, PlainRowsMixin, serializers.ModelSerializer):
    restaurant = serializers.PrimaryKeyRelatedField(queryset=Restaurant.objects.none())
    role = choice(ContactRole.choices, required=False)
    phone = serializers.CharField(
        max_length=40, required=False, allow_blank=True, help_text="Stored in E.164."
    )

    class Meta:
        model = PointOfContact
        fields = [
            "id",
            "restaurant",
            "name",
            "role",
            "phone",
            "email",
            "preferred_hours",
            "is_primary",
            "created_at",
        ]
        read_only_fields = ["created_at"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance is not None and not isinstance(self.instance, list):
            self.fields["restaurant"].read_only = True


class InteractionSerializer(AccountScopedMixin, PlainRowsMixin, serializers.ModelSerializer):
    restaurant = serializers.PrimaryKeyRelatedField(queryset=Restaurant.objects.none())
    contact = serializers.IntegerField(
        source="contact_id", required=False, allow_null=True, min_value=1, max_value=MAX_ID
    )
    kind = choice(InteractionKind.choices)
    outcome = choice(CallOutcome.choices, required=False, allow_blank=True)
    occurred_at = BoundedDateTimeField(date_range=EVENT, required=False, help_text="Default: now.")
    next_call_at = BoundedDateTimeField(
        date_range=PLANNED,
        required=False,
        allow_null=True,
        write_only=True,
        help_text="Calls: when to call next (required for rescheduled; overrides the plan).",
    )
    next_call_due_at = serializers.DateTimeField(
        source="restaurant.next_call_due_at", read_only=True, allow_null=True
    )
    created_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True, help_text=CREATED_BY_HELP
    )

    class Meta:
        model = Interaction
        fields = [
            "id",
            "restaurant",
            "contact",
            "kind",
            "outcome",
            "occurred_at",
            "details",
            "next_call_at",
            "next_call_due_at",
            "created_by",
            "created_at",
        ]
        read_only_fields = ["created_at"]


class OrderSerializer(AccountScopedMixin, PlainRowsMixin, serializers.ModelSerializer):
    restaurant = serializers.PrimaryKeyRelatedField(queryset=Restaurant.objects.none())
    contact = serializers.IntegerField(
        source="contact_id", required=False, allow_null=True, min_value=1, max_value=MAX_ID
    )
    # Parsed loosely so the service reports a bad amount (<= 0, too precise) per field.
    amount = serializers.DecimalField(max_digits=14, decimal_places=4, coerce_to_string=True)
    currency = serializers.CharField(
        max_length=3, required=False, allow_blank=True, help_text="Default: the account's."
    )
    placed_at = BoundedDateTimeField(date_range=EVENT, required=False, help_text="Default: now.")
    created_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True, help_text=CREATED_BY_HELP
    )

    class Meta:
        model = Order
        fields = [
            "id",
            "restaurant",
            "contact",
            "amount",
            "currency",
            "placed_at",
            "details",
            "created_by",
            "created_at",
        ]
        read_only_fields = ["created_at"]


class DueCallSerializer(serializers.Serializer):
    """The documented shape of a due call; rows are rendered by `due_call_row` (plain data)."""

    account = serializers.IntegerField(source="account.pk")
    name = serializers.CharField(source="account.name")
    city = serializers.CharField(source="account.city")
    time_zone = serializers.CharField(source="account.time_zone")
    status = serializers.CharField(source="account.status")
    due_at = serializers.DateTimeField(help_text="UTC.")
    local_due_at = serializers.DateTimeField(help_text="In the account's time zone.")
    last_call_at = serializers.DateTimeField(source="account.last_call_at", allow_null=True)
    last_call_outcome = serializers.CharField(source="account.last_call_outcome", allow_null=True)
    primary_contact = serializers.SerializerMethodField()

    @extend_schema_field(ContactBriefSerializer(allow_null=True))
    def get_primary_contact(self, call):
        return contact_brief(call.account)

    def to_representation(self, instance):
        return due_call_row(instance)


def _datetime(value, zone) -> str:
    """An aware datetime as DRF's DateTimeField renders it (the current zone, "Z" for UTC)."""
    text = iso(value, zone)
    return _DATETIME.to_representation(value) if text is _EXACT else text


_DATETIME = serializers.DateTimeField()
_EXACT = iso(None, None)


def due_call_row(call, zone=None) -> dict:
    """One due call as `DueCallSerializer` documents it, as plain data."""
    zone = zone or timezone.get_current_timezone()
    account = call.account
    last_call_at = account.last_call_at
    outcome = account.last_call_outcome
    return {
        "account": account.pk,
        "name": account.name,
        "city": account.city,
        "time_zone": account.time_zone,
        "status": account.status,
        "due_at": _datetime(call.due_at, zone),
        "local_due_at": call.local_due_at.isoformat(),
        "last_call_at": _datetime(last_call_at, zone) if last_call_at is not None else None,
        "last_call_outcome": str(outcome) if outcome is not None else None,
        "primary_contact": contact_brief(account),
    }


class CallsDueSerializer(serializers.Serializer):
    now = serializers.DateTimeField()
    overdue = DueCallSerializer(many=True)
    today = DueCallSerializer(many=True)
    next_seven_days = DueCallSerializer(many=True)

    def to_representation(self, instance):
        zone = timezone.get_current_timezone()
        return {
            "now": _datetime(instance.now, zone),
            **{
                name: [due_call_row(call, zone) for call in calls]
                for name, calls in instance.groups()
            },
        }
