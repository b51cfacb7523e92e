"""Serializers that only document shapes in the OpenAPI schema."""

from rest_framework import serializers


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Machine-readable, e.g. `validation_error`.")
    message = serializers.CharField(help_text="A sentence a person can read.")
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Messages per input field (dotted for nested input); empty when none.",
    )
    request_id = serializers.CharField(
        help_text="The request's id (also the `X-Request-ID` response header): quote it to "
        "support, who find the request's log lines with it.",
    )


class ErrorResponseSerializer(serializers.Serializer):
    """The shape of every API error response."""

    error = ErrorDetailSerializer()
