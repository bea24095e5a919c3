"""Property-based test of the whole API against its own OpenAPI schema (schemathesis).

Every operation and method of /api/schema/ is called with generated valid and invalid
input, with the token of a superuser: any 5xx, any answer that the schema does not
describe (status, media type, headers, body) and any invalid input that is accepted
fail the test.
"""

import datetime

import pytest
import schemathesis
from django.contrib.auth.models import User
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from config.wsgi import application
from rulings.models import Proceeding, Ruling
from tests.agencies.factories import AgencyFactory, country
from tests.rulings.factories import ProceedingFactory, RegulatorFactory, RulingFactory
from tests.tracker.factories import FlagFactory

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
]


@pytest.fixture
def superuser_token(db):
    user = User.objects.create_superuser("root", "root@example.org", "pw")
    return Token.objects.create(user=user).key


@pytest.fixture
def wsgi_keeps_the_test_connection():
    """Calls go through the real WSGI handler, which closes database connections at the
    end of each request; keep the test's connection (and its transaction) open, as
    Django's own test client does."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def records(db, wsgi_keeps_the_test_connection):
    """A few records, so that generated ids sometimes find one."""
    regulator = RegulatorFactory(jurisdiction="CA", aliases=["OPC"], wikidata="Q7079170")
    agency = AgencyFactory(country=country("CA"), subdivision="CA-ON", notes="=1+1", aliases=["TPS"])
    AgencyFactory(kind="international", country=None)
    ruling = RulingFactory(regulator=regulator, concerns=Ruling.Concerns.VENDOR)
    ProceedingFactory(ruling=ruling, effect=Proceeding.Effect.APPEALED)
    ProceedingFactory(ruling=ruling, effect=Proceeding.Effect.UPHELD, status=Proceeding.Status.DRAFT)
    FlagFactory(agency=agency, ruling=ruling, basis="vendor", under_appeal=True)
    draft = RulingFactory(status=Ruling.Status.DRAFT)
    ProceedingFactory(ruling=draft)
    FlagFactory(ruling=draft, active=False, cleared_at=datetime.datetime.now(datetime.UTC), cleared_reason="Unpublished.")


# Loading the schema needs no database: it is generated from the code.
schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)


@schema.parametrize()
@settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))
def test_the_api_keeps_its_schema_and_never_fails(case, superuser_token, records):
    case.call_and_validate(headers={"Authorization": f"Token {superuser_token}"}, checks=CHECKS)
