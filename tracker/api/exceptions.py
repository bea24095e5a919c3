"""How errors reach API consumers: JSON that names each bad field, never a 500 for an outage."""

from __future__ import annotations

import logging

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError, OperationalError
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

logger = logging.getLogger(__name__)

# Seconds a client is asked to wait after a dependency outage.
RETRY_AFTER_SECONDS = 30

try:  # The broker is a dependency too: enqueueing may fail while it is down.
    from kombu.exceptions import OperationalError as BrokerOperationalError
except ImportError:  # pragma: no cover
    BrokerOperationalError = OperationalError

OUTAGES = (OperationalError, InterfaceError, BrokerOperationalError)


class ServiceUnavailable(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "A service this API depends on is unavailable; try again shortly."
    default_code = "service_unavailable"


def validation_error_detail(error: DjangoValidationError) -> dict | list:
    """Django's ValidationError in DRF's shape: messages by field, ``non_field_errors``
    for what concerns the record as a whole."""
    if hasattr(error, "error_dict"):
        return {
            (api_settings.NON_FIELD_ERRORS_KEY if field == NON_FIELD_ERRORS else field): messages
            for field, messages in error.message_dict.items()
        }
    return {api_settings.NON_FIELD_ERRORS_KEY: error.messages}


def exception_handler(exc, context):
    """DRF's handler, plus: service ValidationErrors become 400s by field, and an
    unreachable database or broker becomes a 503 with ``Retry-After``."""
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(validation_error_detail(exc))
    elif isinstance(exc, OUTAGES):
        logger.warning("Dependency outage while answering an API request: %s", exc)
        set_rollback()
        response = Response({"detail": ServiceUnavailable.default_detail}, status=status.HTTP_503_SERVICE_UNAVAILABLE)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    return drf_exception_handler(exc, context)
