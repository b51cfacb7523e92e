"""Serializers that only document shapes in the OpenAPI schema."""

from rest_framework import serializers


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Machine-readable, e.g. `validation_error`.")
    message = serializers.CharField(help_text="A sentence a person can read.")
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Messages per input field (dotted for nested input); empty when none.",
    )


class ErrorResponseSerializer(serializers.Serializer):
    """The shape of every API error response."""

    error = ErrorDetailSerializer()
