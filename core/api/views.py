from django.contrib.auth import get_user_model
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.roles import user_roles


class MeSerializer(serializers.ModelSerializer):
    # A plain string: accounts are created without an email (the development users) and by
    # code that does not validate it, so an `email` format would be a promise we cannot keep.
    email = serializers.CharField(
        read_only=True, help_text="The address on the account, as stored; may be empty."
    )
    roles = serializers.SerializerMethodField(help_text="The values of the roles the user holds.")

    class Meta:
        model = get_user_model()
        fields = ["id", "username", "first_name", "last_name", "email", "is_staff", "roles"]
        read_only_fields = fields

    def get_roles(self, user) -> list[str]:
        return sorted(role.value for role in user_roles(user))


class MeView(APIView):
    """The authenticated user and their roles (a quick check that a token works)."""

    @extend_schema(responses=MeSerializer, tags=["platform"])
    def get(self, request: Request) -> Response:
        return Response(MeSerializer(request.user).data)
