"""REST API of the key accounts app (mounted under /api/kam/)."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.access import RolePermission
from core.errors import ApplicationError, NotFoundError, PermissionDeniedError
from kam.access import is_kam_lead
from kam.api.filters import (
    AccountFilter,
    ContactFilter,
    InteractionFilter,
    OrderFilter,
    PerformanceFilter,
)
from kam.api.serializers import (
    AccountSerializer,
    CallsDueSerializer,
    ContactSerializer,
    InteractionSerializer,
    OrderSerializer,
    ReassignResultSerializer,
    ReassignSerializer,
    TransitionSerializer,
)
from kam.models import Band
from kam.selectors import (
    account_list,
    calls_due,
    contact_list,
    interaction_list,
    kam_get,
    order_list,
    performance_list,
)
from kam.services import (
    account_create,
    account_transition,
    account_update,
    accounts_reassign,
    contact_create,
    contact_delete,
    contact_update,
    interaction_log,
    order_log,
)

# Error responses in the shared shape come from core.api.schema.AutoSchema; only what is
# particular to an operation is declared here.
PRIMARY_RACE = OpenApiResponse(
    description="Another primary contact was set at the same time; try again."
)


class KamAccess:
    """Every kam endpoint: reading needs "view", writing "change" (own accounts for a KAM)."""

    permission_classes = [RolePermission]
    access_app = "kam"
    access_actions = {
        "create": "change",
        "update": "change",
        "partial_update": "change",
        "destroy": "change",
    }


class IntLookupMixin:
    lookup_value_regex = r"\d+"

    def get_object(self):
        try:
            return super().get_object()
        except (ValueError, TypeError, OverflowError):
            raise Http404 from None


@extend_schema(tags=["kam"])
class AccountViewSet(
    KamAccess,
    IntLookupMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Restaurant accounts. KAMs see their own; KAM leads see all. Filter with `?status=`,
    `?band=`, `?city=`, `?owner=`; `?search=` name, city, cuisine."""

    serializer_class = AccountSerializer
    access_actions = {
        **KamAccess.access_actions,
        "create": "create",
        "transition": "change",
        "reassign": "reassign",
    }
    filterset_class = AccountFilter
    ordering_fields = ["name", "city", "next_call_due_at", "created_at", "band", "status"]
    ordering = ["name", "id"]

    def select(self, **filters):
        return performance_list(user=self.request.user, **filters)

    def get_queryset(self):
        return self.select()

    def perform_create(self, serializer: AccountSerializer) -> None:
        created = account_create(actor=self.request.user, **serializer.validated_data)
        serializer.instance = self.get_queryset().get(pk=created.pk)

    def perform_update(self, serializer: AccountSerializer) -> None:
        account_update(
            actor=self.request.user,
            restaurant_id=serializer.instance.pk,
            **serializer.validated_data,
        )
        serializer.instance = self.get_queryset().get(pk=serializer.instance.pk)

    @extend_schema(
        operation_id="kam_accounts_transition",
        request=TransitionSerializer,
        responses={
            200: AccountSerializer,
            409: OpenApiResponse(
                description="Not allowed from the current status (the message lists what is)."
            ),
        },
        description="Move the lead status (new -> contacted -> qualified -> onboarding -> "
        "active <-> inactive; lost from any open status) with a reason. 409 when not allowed.",
    )
    @action(detail=True, methods=["post"])
    def transition(self, request: Request, pk: str | None = None) -> Response:
        account = self.get_object()
        serializer = TransitionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        account_transition(
            actor=request.user,
            restaurant_id=account.pk,
            to_status=serializer.validated_data["status"],
            reason=serializer.validated_data["reason"],
        )
        return Response(AccountSerializer(self.get_queryset().get(pk=account.pk)).data)

    @extend_schema(
        operation_id="kam_accounts_reassign",
        request=ReassignSerializer,
        responses={
            200: ReassignResultSerializer,
            403: OpenApiResponse(description="Only a KAM lead may reassign accounts."),
        },
        description="KAM leads: give accounts to another KAM, with a reason (audited). "
        "The previous KAM loses access at once.",
    )
    @action(detail=False, methods=["post"])
    def reassign(self, request: Request) -> Response:
        serializer = ReassignSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        moved = accounts_reassign(
            actor=request.user,
            restaurant_ids=serializer.validated_data["accounts"],
            kam_id=serializer.validated_data["kam"],
            reason=serializer.validated_data["reason"],
        )
        return Response({"reassigned": moved})


@extend_schema(tags=["kam"])
@extend_schema_view(
    create=extend_schema(responses={201: ContactSerializer, 409: PRIMARY_RACE}),
    update=extend_schema(responses={200: ContactSerializer, 409: PRIMARY_RACE}),
    partial_update=extend_schema(responses={200: ContactSerializer, 409: PRIMARY_RACE}),
)
class ContactViewSet(KamAccess, IntLookupMixin, viewsets.ModelViewSet):
    """Points of contact of the accounts you see. Phones are stored in E.164; one primary
    per account (a new primary takes over)."""

    serializer_class = ContactSerializer
    filterset_class = ContactFilter

    def select(self, **filters):
        return contact_list(user=self.request.user, **filters)

    def get_queryset(self):
        return self.select()

    def get_serializer(self, *args, **kwargs):
        kwargs["accounts"] = account_list(user=self.request.user)
        return super().get_serializer(*args, **kwargs)

    def perform_create(self, serializer) -> None:
        data = dict(serializer.validated_data)
        restaurant = data.pop("restaurant")
        serializer.instance = contact_create(
            actor=self.request.user, restaurant_id=restaurant.pk, **data
        )

    def perform_update(self, serializer) -> None:
        data = dict(serializer.validated_data)
        data.pop("restaurant", None)
        serializer.instance = contact_update(
            actor=self.request.user, contact_id=serializer.instance.pk, **data
        )

    def perform_destroy(self, instance) -> None:
        contact_delete(actor=self.request.user, contact_id=instance.pk)


class _LogViewSet(
    KamAccess,
    IntLookupMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    def get_serializer(self, *args, **kwargs):
        kwargs["accounts"] = account_list(user=self.request.user)
        return super().get_serializer(*args, **kwargs)


@extend_schema(tags=["kam"])
class InteractionViewSet(_LogViewSet):
    """Calls (with an outcome; they move the next planned call), visits and emails."""

    serializer_class = InteractionSerializer
    filterset_class = InteractionFilter
    ordering_fields = ["occurred_at"]

    def select(self, **filters):
        return interaction_list(user=self.request.user, **filters)

    def get_queryset(self):
        return self.select()

    def perform_create(self, serializer) -> None:
        data = dict(serializer.validated_data)
        created = interaction_log(
            actor=self.request.user,
            restaurant_id=data["restaurant"].pk,
            kind=data["kind"],
            outcome=data.get("outcome") or "",
            occurred_at=data.get("occurred_at"),
            contact_id=data.get("contact_id"),
            details=data.get("details", ""),
            next_call_at=data.get("next_call_at"),
        )
        serializer.instance = self.get_queryset().get(pk=created.pk)


@extend_schema(tags=["kam"])
class OrderViewSet(_LogViewSet):
    """Orders of the accounts you see (amount > 0, in the account's currency)."""

    serializer_class = OrderSerializer
    filterset_class = OrderFilter
    ordering_fields = ["placed_at", "amount"]

    def select(self, **filters):
        return order_list(user=self.request.user, **filters)

    def get_queryset(self):
        return self.select()

    def perform_create(self, serializer) -> None:
        data = dict(serializer.validated_data)
        created = order_log(
            actor=self.request.user,
            restaurant_id=data["restaurant"].pk,
            amount=data["amount"],
            currency=data.get("currency") or "",
            placed_at=data.get("placed_at"),
            contact_id=data.get("contact_id"),
            details=data.get("details", ""),
        )
        serializer.instance = self.get_queryset().get(pk=created.pk)


@extend_schema(tags=["kam"])
class CallsDueView(KamAccess, APIView):
    @extend_schema(
        operation_id="kam_calls_due",
        parameters=[
            OpenApiParameter(
                "kam", int, description="KAM leads: another KAM's calls (default: yours)."
            )
        ],
        responses={
            200: CallsDueSerializer,
            403: OpenApiResponse(description="Only a KAM lead may see another KAM's calls."),
            404: OpenApiResponse(description="No such KAM (`kam`)."),
        },
        description="Your planned calls grouped by each account's local day: overdue (stays "
        "overdue until a call is logged), today, next seven days.",
    )
    def get(self, request: Request) -> Response:
        kam = request.user
        requested = request.query_params.get("kam")
        if requested not in (None, ""):
            if not is_kam_lead(request.user):
                raise PermissionDeniedError(
                    "Only key-account manager leads see another KAM's calls."
                )
            # isascii(): "²" is a digit to isdigit(), not to int().
            if not (requested.isascii() and requested.isdigit()) or len(requested) > 18:
                raise ApplicationError(
                    "Some fields are not valid: kam.",
                    code="validation_error",
                    fields={"kam": ["Give a user id."]},
                )
            kam = kam_get(user=request.user, kam_id=int(requested))
            if kam is None:
                raise NotFoundError("No such KAM.")
        due = calls_due(kam=kam)
        return Response(CallsDueSerializer(due).data)


@extend_schema(tags=["kam"])
class PerformanceViewSet(KamAccess, mixins.ListModelMixin, viewsets.GenericViewSet):
    """Accounts with their performance; `?band=`. The two lists staff ask for most have
    their own URLs."""

    serializer_class = AccountSerializer
    filterset_class = PerformanceFilter
    ordering_fields = ["name", "city", "band"]
    ordering = ["name", "id"]

    #: The lists with their own URL: the band is part of the address.
    BAND_OF_ACTION = {
        "underperforming": Band.UNDERPERFORMING,
        "well_performing": Band.WELL_PERFORMING,
    }

    def select(self, **filters):
        band = self.BAND_OF_ACTION.get(self.action)
        if band is not None and filters.setdefault("band", band) != band:
            return performance_list(user=self.request.user).none()  # ?band= names another one
        return performance_list(user=self.request.user, **filters)

    def get_queryset(self):
        return self.select()

    @extend_schema(
        operation_id="kam_performance_underperforming", responses=AccountSerializer(many=True)
    )
    @action(detail=False, methods=["get"])
    def underperforming(self, request: Request) -> Response:
        return self.list(request)

    @extend_schema(
        operation_id="kam_performance_well_performing", responses=AccountSerializer(many=True)
    )
    @action(detail=False, methods=["get"], url_path="well-performing")
    def well_performing(self, request: Request) -> Response:
        return self.list(request)
