"""REST API under /api/evaluations/: list (filters), create, detail (history), reevaluate."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from core.access import RolePermission
from evaluations import selectors, services
from evaluations.api.filters import EvaluationFilter
from evaluations.api.serializers import (
    EvaluationCreateSerializer,
    EvaluationDetailSerializer,
    EvaluationSerializer,
)

TAGS = ["evaluations"]


@extend_schema_view(
    list=extend_schema(tags=TAGS, summary="Evaluations, filtered"),
    retrieve=extend_schema(tags=TAGS, summary="One evaluation with its history"),
)
class EvaluationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permission_classes = [RolePermission]
    access_app = "evaluations"
    access_actions = {"create": "evaluate", "reevaluate": "evaluate"}
    filterset_class = EvaluationFilter
    ordering_fields = ["id", "score", "last_evaluated_at", "value"]
    ordering = ["-id"]

    def select(self, **filters):
        """Every read of this view (see core.api.filters)."""
        return selectors.evaluation_list(user=self.request.user, **filters)

    def get_queryset(self):
        return self.select()

    def get_serializer_class(self):
        if self.action == "retrieve":
            return EvaluationDetailSerializer
        if self.action == "create":
            return EvaluationCreateSerializer
        return EvaluationSerializer

    @extend_schema(
        tags=TAGS,
        summary="Evaluate a company (answers after its first evaluation)",
        request=EvaluationCreateSerializer,
        responses={
            201: EvaluationDetailSerializer,
            409: OpenApiResponse(description="Already evaluated (the message gives its id)"),
        },
    )
    def create(self, request: Request) -> Response:
        serializer = EvaluationCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        # No transaction here (ATOMIC_REQUESTS is off): the source is called outside one.
        evaluation = services.evaluation_create(**serializer.validated_data, actor=request.user)
        return Response(EvaluationDetailSerializer(evaluation).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        tags=TAGS,
        summary="Re-evaluate now (score back to 100)",
        request=None,
        responses={
            200: EvaluationDetailSerializer,
            409: OpenApiResponse(description="Unfavorable is final: not re-evaluated"),
        },
    )
    @action(detail=True, methods=["post"])
    def reevaluate(self, request: Request, pk: str | None = None) -> Response:
        # The service cleans the id (not an evaluation: 404) and refuses a final one (409).
        evaluation = services.evaluation_reevaluate(evaluation_id=pk, actor=request.user)
        return Response(EvaluationDetailSerializer(evaluation).data)
