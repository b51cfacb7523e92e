"""REST API under /api/workflows/: definitions, runs (start, submit a step, read with chart)."""

from __future__ import annotations

import uuid
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from core.access import RolePermission
from core.boundary.parsers import FormParser, JSONParser, MultiPartParser
from core.errors import NotFoundError
from workflows import selectors, services
from workflows.api.filters import WorkflowRunFilter
from workflows.api.serializers import (
    WorkflowDefinitionDetailSerializer,
    WorkflowDefinitionSerializer,
    WorkflowRunDetailSerializer,
    WorkflowRunSerializer,
    WorkflowRunStartSerializer,
)

TAGS = ["workflows"]
# Error responses in the shared shape come from core.api.schema.AutoSchema; only what is
# particular to an operation is declared here (FILE_ERROR_EXAMPLE joins the 400 response).
STEP_INPUT = {
    "multipart/form-data": OpenApiTypes.OBJECT,
    "application/json": OpenApiTypes.OBJECT,
}
FILE_ERROR_EXAMPLE = OpenApiExample(
    "A statement with problems",
    value={
        "error": {
            "code": "validation_error",
            "message": "Some fields are not valid: statement.",
            "fields": {
                "statement": [
                    "B7: income must be a number, got 'abc'.",
                    "Expected exactly 12 months, found 11.",
                ]
            },
        }
    },
    response_only=True,
    status_codes=["400"],
)


def step_input(request: Request, *, skip: tuple[str, ...] = ()) -> tuple[dict[str, Any], Any]:
    """The form data and files of a step's input, from JSON or multipart."""
    files = request.FILES
    data: dict[str, Any] = {}
    problems: dict[str, list[str]] = {}
    raw = request.data
    if not hasattr(raw, "keys"):
        raise ValidationError({"non_field_errors": ["Expected an object of field values."]})
    for key in raw.keys():  # noqa: SIM118 - QueryDict and dict alike
        if key in skip or key in files:
            continue
        value = raw.get(key)
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            problems[str(key)] = ["Must be a single text, number or date value."]
        else:
            data[str(key)] = str(value)
    if problems:
        raise ValidationError(problems)
    return data, files


class DefinitionViewSet(viewsets.ViewSet):
    permission_classes = [RolePermission]
    access_app = "workflows"
    lookup_field = "key"
    lookup_value_regex = "[a-z][a-z0-9_]{1,62}"

    @extend_schema(tags=TAGS, summary="Workflows that can be started (current versions)",
                   responses=WorkflowDefinitionSerializer(many=True))  # fmt: skip
    def list(self, request: Request) -> Response:
        rows = selectors.workflow_definition_list(user=request.user)
        return Response(WorkflowDefinitionSerializer(rows, many=True).data)

    @extend_schema(tags=TAGS, summary="One workflow's current definition, with its spec",
                   responses=WorkflowDefinitionDetailSerializer)  # fmt: skip
    def retrieve(self, request: Request, key: str | None = None) -> Response:
        row = selectors.workflow_definition_get(user=request.user, key=key or "")
        if row is None:
            raise NotFoundError(f"There is no workflow '{key}'.")
        return Response(WorkflowDefinitionDetailSerializer(row).data)


@extend_schema_view(
    list=extend_schema(tags=TAGS, summary="Runs, newest first"),
    retrieve=extend_schema(tags=TAGS, summary="One run: steps, uploads and chart data"),
)
class RunViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permission_classes = [RolePermission]
    access_app = "workflows"
    access_actions = {"create": "start", "submit": "start"}
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    filterset_class = WorkflowRunFilter
    ordering_fields = ["created_at", "status"]
    ordering = ["-created_at"]

    def select(self, **filters):
        runs = selectors.workflow_run_list(user=self.request.user, **filters)
        return selectors.workflow_run_rows(runs) if self.action == "list" else runs

    def get_queryset(self):
        return self.select()

    def get_serializer_class(self):
        return WorkflowRunDetailSerializer if self.action != "list" else WorkflowRunSerializer

    def get_object(self):
        try:
            run_id = uuid.UUID(str(self.kwargs["pk"]))
        except ValueError:
            raise NotFoundError("No such workflow run.") from None
        run = selectors.workflow_run_get(user=self.request.user, run_id=run_id)
        if run is None:
            raise NotFoundError("No such workflow run.")
        return run

    @extend_schema(
        tags=TAGS,
        summary="Start a run (optionally with its first step's input, multipart for files)",
        request={
            "multipart/form-data": WorkflowRunStartSerializer,
            "application/json": WorkflowRunStartSerializer,
        },
        examples=[FILE_ERROR_EXAMPLE],
        responses={201: WorkflowRunDetailSerializer},
    )
    def create(self, request: Request) -> Response:
        start = WorkflowRunStartSerializer(data=request.data)
        start.is_valid(raise_exception=True)
        data, files = step_input(request, skip=("definition",))
        run = services.workflow_run_start(
            key=start.validated_data["definition"], actor=request.user, data=data, files=files
        )
        run = selectors.workflow_run_get(user=request.user, run_id=run.id)
        return Response(WorkflowRunDetailSerializer(run).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        tags=TAGS,
        summary="Submit the input of the step the run waits for (multipart for files)",
        request=STEP_INPUT,
        examples=[FILE_ERROR_EXAMPLE],
        responses={
            200: WorkflowRunDetailSerializer,
            409: OpenApiResponse(description="The run is not waiting for this step."),
        },
    )
    @action(detail=True, methods=["post"], url_path=r"steps/(?P<step_id>[a-z][a-z0-9_]{0,62})")
    def submit(self, request: Request, pk: str | None = None, step_id: str = "") -> Response:
        data, files = step_input(request)
        run = services.workflow_run_submit(
            run_id=pk, step_id=step_id, actor=request.user, data=data, files=files
        )
        run = selectors.workflow_run_get(user=request.user, run_id=run.id)
        return Response(WorkflowRunDetailSerializer(run).data)
