"""Stateful property-based test of the API (schemathesis): sequences of calls that follow
the schema's OpenAPI links (a created record is read, changed, read again; a flag leads to
its agency and ruling), with the token of a superuser.

Every step must answer as the schema says (status, media type, headers, body) and never
with a 5xx; a record that was just created must be found by the operations its links name.
"""

import copy

import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ensure_resource_availability,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
    use_after_free,
)

from config.wsgi import application
from rulings.models import Regulator, Ruling

from .test_schemathesis import records, superuser_token, wsgi_keeps_the_test_connection  # noqa: F401

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    ensure_resource_availability,
    use_after_free,
]

schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)
# The schema as served: a stateful run adds the links it infers to ``schema.raw_schema``.
PUBLISHED = copy.deepcopy(schema.raw_schema)

# Codes that name a real place, so that some generated regulators (and then their rulings)
# are created and the chains of calls reach past the first step.
JURISDICTIONS = ["CA", "CA-ON", "SE", "DE-HH", "EU", "AU", "FR"]
# Ids of the regulators and rulings on record when the run starts; filled in by the test.
REGULATOR_IDS: list[int] = []
RULING_IDS: list[int] = []
# A source every write accepts (generated URLs are rarely http or https).
SOURCES = ["https://regulator.example.org/decision"]


def _without(body: dict, *names: str) -> dict:
    return {key: value for key, value in body.items() if key not in names}


@schema.hook("flatmap_body")
def bodies_that_name_real_places_and_records(context, body):
    """Generated regulators name a real jurisdiction; rulings a regulator on record and
    proceedings a ruling on record, with a date after it and a usable source; every other
    field stays as generated."""
    label = context.operation.label if context.operation else ""
    if not isinstance(body, dict):
        return st.just(body)
    if label == "POST /api/v1/regulators/":
        return st.sampled_from(JURISDICTIONS).map(lambda code: {**body, "jurisdiction": code})
    if label == "POST /api/v1/rulings/" and REGULATOR_IDS:
        return st.sampled_from(REGULATOR_IDS).map(
            lambda pk: {
                **_without(body, "source_url"), "regulator": pk, "scope": "jurisdiction", "agencies": [], "sources": SOURCES,
            }
        )
    if label == "POST /api/v1/proceedings/" and RULING_IDS:
        return st.sampled_from(RULING_IDS).map(
            lambda pk: {**body, "ruling": pk, "decided_on": "2023-10-17", "decided_on_precision": "day", "sources": SOURCES}
        )
    return st.just(body)


def test_the_schema_describes_how_operations_link():
    # Given the published schema, as served
    operations = {
        op["operationId"]: op for item in PUBLISHED["paths"].values() for op in item.values() if isinstance(op, dict)
    }
    # Then a created record links to reading and changing it, and a flag to its agency and ruling
    for resource in ("regulators", "agencies", "rulings"):
        links = operations[f"{resource}_create"]["responses"]["201"]["links"]
        assert {link["operationId"] for link in links.values()} == {f"{resource}_retrieve", f"{resource}_partial_update"}
        assert all(link["parameters"] == {"id": "$response.body#/id"} for link in links.values())
    flag_links = operations["flags_retrieve"]["responses"]["200"]["links"]
    assert {link["operationId"] for link in flag_links.values()} == {"agencies_retrieve", "rulings_retrieve"}
    # And a recorded proceeding links to reading and changing it, and to its ruling
    proceeding_links = operations["proceedings_create"]["responses"]["201"]["links"]
    assert {link["operationId"]: link["parameters"] for link in proceeding_links.values()} == {
        "proceedings_retrieve": {"id": "$response.body#/id"},
        "proceedings_partial_update": {"id": "$response.body#/id"},
        "rulings_retrieve": {"id": "$response.body#/ruling"},
    }


def test_sequences_of_linked_calls_keep_the_schema_and_never_fail(superuser_token, records):
    # Given a superuser's token and a few records
    headers = {"Authorization": f"Token {superuser_token}"}
    REGULATOR_IDS[:] = Regulator.objects.values_list("pk", flat=True)
    RULING_IDS[:] = Ruling.objects.values_list("pk", flat=True)

    class APIWorkflow(schema.as_state_machine()):
        def get_call_kwargs(self, case):
            return {"headers": headers}

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            case.validate_response(response, checks=CHECKS, transport_kwargs=kwargs, recorder=self.recorder)

    # When schemathesis runs chains of calls along the links
    # Then every step passes every check (a failure raises, naming the call sequence)
    APIWorkflow.run(
        settings=settings(
            max_examples=40,
            stateful_step_count=6,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
    )
