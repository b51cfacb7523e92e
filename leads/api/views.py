"""API views of the leads app (mounted under /api/leads/, see `leads/api_urls.py`)."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from core.access import RolePermission
from leads.api.filters import LeadFilter, RunFilter
from leads.api.serializers import (
    BulkQualifyResponseSerializer,
    BulkQualifySerializer,
    LeadSerializer,
    RunSerializer,
)
from leads.models import Lead, RunSource
from leads.selectors import lead_list, lead_rows, run_list
from leads.services import lead_create, lead_delete, lead_update, qualification_start

# Error responses in the shared shape come from core.api.schema.AutoSchema; only what is
# particular to an operation is declared here.
IS_PROSPECT = OpenApiResponse(description="The lead is already a prospect.")
IDENTITY_LOCKED = OpenApiResponse(
    description="The names, birth date or national id cannot change: the lead is a prospect, "
    "or is being qualified."
)


@extend_schema(tags=["leads"])
@extend_schema_view(
    update=extend_schema(responses={200: LeadSerializer, 409: IDENTITY_LOCKED}),
    partial_update=extend_schema(responses={200: LeadSerializer, 409: IDENTITY_LOCKED}),
)
class LeadViewSet(viewsets.ModelViewSet):
    """Sales leads. Sales agents see their own; sales managers see all. Filter with `?stage=`."""

    serializer_class = LeadSerializer
    permission_classes = [RolePermission]
    access_app = "leads"
    access_actions = {
        "create": "create",
        "update": "change",
        "partial_update": "change",
        "destroy": "change",
        "qualify": "qualify",
        "qualify_many": "qualify",
    }
    filterset_class = LeadFilter
    ordering_fields = ["created_at", "last_name", "stage"]
    lookup_value_regex = r"\d+"

    def select(self, *, owner: int | None = None, **filters):
        leads = lead_list(user=self.request.user, owner_id=owner, **filters)
        return lead_rows(leads) if self.action == "list" else leads

    def get_queryset(self):
        return self.select()

    def perform_create(self, serializer: LeadSerializer) -> None:
        serializer.instance = lead_create(actor=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer: LeadSerializer) -> None:
        serializer.instance = lead_update(
            lead_id=serializer.instance.pk, actor=self.request.user, **serializer.validated_data
        )

    def perform_destroy(self, instance: Lead) -> None:
        lead_delete(lead_id=instance.pk, actor=self.request.user)

    @extend_schema(
        operation_id="leads_qualify",
        request=None,
        responses={202: RunSerializer, 409: IS_PROSPECT},
        description="Start qualifying the lead (both checks in parallel, then the score). "
        "Answers 202 with the run; a run already under way is returned instead of a new one. "
        "409 for a prospect.",
    )
    @action(detail=True, methods=["post"])
    def qualify(self, request: Request, pk: str | None = None) -> Response:
        lead = self.get_object()
        started = qualification_start(
            lead_id=lead.pk, requested_by=request.user, source=RunSource.API
        )
        return Response(RunSerializer(started.run).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        operation_id="leads_qualify_many",
        request=BulkQualifySerializer,
        responses={
            202: BulkQualifyResponseSerializer,
            409: OpenApiResponse(description="One of the leads is already a prospect."),
        },
        description='Start qualifying several leads: `{"leads": [1, 2]}`. Unknown ids -> 400.',
    )
    @action(detail=False, methods=["post"], url_path="qualify")
    def qualify_many(self, request: Request) -> Response:
        serializer = BulkQualifySerializer(data=request.data, queryset=self.get_queryset())
        serializer.is_valid(raise_exception=True)
        runs = [
            qualification_start(
                lead_id=lead.pk, requested_by=request.user, source=RunSource.API
            ).run
            for lead in serializer.validated_data["leads"]
        ]
        return Response({"runs": RunSerializer(runs, many=True).data}, status=202)

    @extend_schema(operation_id="leads_runs_of_lead", responses=RunSerializer(many=True))
    @action(detail=True, methods=["get"], filter_backends=[])  # the lead list's do not apply
    def runs(self, request: Request, pk: str | None = None) -> Response:
        lead = self.get_object()
        page = self.paginate_queryset(run_list(user=request.user, lead_id=lead.pk))
        return self.get_paginated_response(RunSerializer(page, many=True).data)


@extend_schema(tags=["leads"])
class RunViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Qualification runs of the leads you see, newest first."""

    serializer_class = RunSerializer
    permission_classes = [RolePermission]
    access_app = "leads"
    filterset_class = RunFilter
    ordering_fields = ["created_at"]
    lookup_value_regex = r"\d+"

    def select(self, *, lead: int | None = None, **filters):
        return run_list(user=self.request.user, lead_id=lead, **filters)

    def get_queryset(self):
        return self.select()

    def get_object(self):
        try:
            return super().get_object()
        except (ValueError, TypeError):
            raise Http404 from None
