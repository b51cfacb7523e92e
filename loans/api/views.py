from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from core.access import RolePermission
from loans import selectors, services
from loans.api.filters import LoanApplicationFilter
from loans.api.serializers import (
    LoanApplicationCreateSerializer,
    LoanApplicationDetailSerializer,
    LoanApplicationSerializer,
)

IDEMPOTENCY_HEADER = OpenApiParameter(
    name="Idempotency-Key",
    type={"type": "string", "minLength": 1, "maxLength": 255},
    location=OpenApiParameter.HEADER,
    required=False,
    description=(
        "Any unique string of 1 to 255 printable characters (a UUID is ideal), scoped to "
        "your user. A retry with the same key and body answers 201 with the first result and "
        "`Idempotent-Replayed: true` instead of creating a duplicate; the same key with "
        "another body is a 400 (`idempotency_key_reused`)."
    ),
)
CREATED_HEADERS = [
    OpenApiParameter(
        name="Location",
        location=OpenApiParameter.HEADER,
        response=[201],
        required=True,
        description="The application's URL.",
    ),
    OpenApiParameter(
        name="Idempotent-Replayed",
        location=OpenApiParameter.HEADER,
        response=[201],
        enum=["true"],
        description="`true` when this answer replays the first result of the same "
        "`Idempotency-Key` and body (nothing new was created); absent otherwise.",
    ),
]
CREATE_EXAMPLE = OpenApiExample(
    "A loan of 15,000 EUR",
    value={
        "first_name": "Ada",
        "last_name": "Lovelace",
        "email": "ada@example.com",
        "amount": "15000.00",
        "currency": "EUR",
    },
    request_only=True,
)
ERROR_EXAMPLE = OpenApiExample(
    "Invalid amount",
    value={
        "error": {
            "code": "validation_error",
            "message": "Some fields are not valid: amount.",
            "fields": {"amount": ["The amount must be between 100 and 1,000,000."]},
        }
    },
    response_only=True,
    status_codes=["400"],
)


@extend_schema_view(
    list=extend_schema(
        summary="List applications",
        description="Filter by status (`?status=pending`), currency and creation date range; "
        "`?search=` matches first name, last name and email.",
    ),
    retrieve=extend_schema(summary="One application, with its status history"),
    create=extend_schema(
        summary="Create an application (sent to the bank in the background)",
        parameters=[IDEMPOTENCY_HEADER, *CREATED_HEADERS],
        request=LoanApplicationCreateSerializer,
        examples=[CREATE_EXAMPLE, ERROR_EXAMPLE],
        responses={
            201: LoanApplicationDetailSerializer,
            400: OpenApiResponse(
                description="Invalid input, or an `Idempotency-Key` already used with another "
                "body (see `error.fields`)."
            ),
        },
    ),
)
class LoanApplicationViewSet(
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.ListModelMixin,
    viewsets.GenericViewSet,
):
    permission_classes = [RolePermission]
    access_app = "loans"
    access_actions = {"create": "create"}
    filterset_class = LoanApplicationFilter
    ordering_fields = ["created_at", "amount", "status", "decided_at"]
    ordering = ["-created_at"]

    def select(self, **filters):
        """Every read of this view: the list's filters (parsed by `LoanApplicationFilter`)
        and a detail's row go through the selector the list page uses too."""
        applications = selectors.loan_application_list(user=self.request.user, **filters)
        if self.action == "list":
            return selectors.loan_application_rows(applications)
        return applications

    def get_queryset(self):
        return self.select()

    def get_serializer_class(self):
        if self.action == "create":
            return LoanApplicationCreateSerializer
        if self.action == "retrieve":
            return LoanApplicationDetailSerializer
        return LoanApplicationSerializer

    def create(self, request: Request, *args, **kwargs) -> Response:
        serializer = LoanApplicationCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        application, replayed = services.loan_application_create(
            **serializer.validated_data,
            actor=request.user,
            idempotency_key=request.headers.get("Idempotency-Key"),
        )
        headers = {"Location": f"/api/loans/applications/{application.id}/"}
        if replayed:
            headers["Idempotent-Replayed"] = "true"
        body = LoanApplicationDetailSerializer(application).data
        return Response(body, status=status.HTTP_201_CREATED, headers=headers)
