from django.contrib.auth import get_user_model
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.roles import user_roles


class MeSerializer(serializers.ModelSerializer):
    roles = serializers.SerializerMethodField()

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
