"""Property-based test of the API against its schema (schemathesis), as a trusted partner.

A partner writes through the API with a token (SPEC §5): not staff, holding the model
permissions to add and change agencies, rulings and proceedings, but not *publish ruling*.
So it may create and edit drafts only: publishing, creating a ruling in any status but
`draft`, publishing a proceeding and editing anything published are refused with a 403,
which the schema must document. Regulators it may only read.

The records include agency-scoped rulings (scope `agencies`, listing agencies), a draft
one the partner may edit and a published one it may not, and the generated requests are
aimed at them: ids in paths and bodies name records on file, and the fields whose own
checks the superuser run fuzzes (sources, dates, fines, undeclared fields) are made
acceptable, so that writes reach the services' permission and scope rules. Every other
value stays as generated, `scope` and `status` included. Any 5xx, any answer the schema
does not describe and any invalid input that is accepted fail the test.
"""

from __future__ import annotations

import copy
import datetime
import json
import re

import pytest
import schemathesis
from django.contrib.auth.models import Permission, User
from django.core.cache import cache
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token

from agencies.models import Agency
from config.wsgi import application
from rulings.models import Proceeding, Regulator, Ruling
from tests.agencies.factories import AgencyFactory, country
from tests.rulings.factories import ProceedingFactory, RegulatorFactory, RulingFactory
from tracker.models import Flag
from tracker.services import flags_recompute

from . import test_schemathesis as superuser_run
from .test_schemathesis import CHECKS, records, wsgi_keeps_the_test_connection  # noqa: F401

PARTNER_PERMISSIONS = [
    ("agencies", "add_agency"),
    ("agencies", "change_agency"),
    ("rulings", "add_ruling"),
    ("rulings", "change_ruling"),
    ("rulings", "add_proceeding"),
    ("rulings", "change_proceeding"),
]
# A source URL every write accepts (generated URLs are rarely http or https).
SOURCE_URL = "https://regulator.example.org/decision"
# Generated dates outside the years of the records on file are moved to PAST_DECISION,
# after every ruling on file.
EARLIEST_DECISION = datetime.date(2021, 1, 1)
PAST_DECISION = "2023-10-17"
# Ids of the records on file, by the API's name for them; filled in by the `on_file` fixture.
RECORD_IDS: dict[str, list[int]] = {}

SCHEMA_PATH = "/api/schema/?format=json"
# The schema as the API served it to the superuser run, in a schema object of its own so
# that the hooks below aim only this module's requests. Not fetched again: a schema served
# a second time refers to a component it no longer defines, which leaves every write that
# takes sources without a request body to generate (see the test at the end).
schema = schemathesis.openapi.from_dict(copy.deepcopy(superuser_run.schema.raw_schema))
schema.app = application
schema.location = SCHEMA_PATH


@pytest.fixture
def partner_token(db):
    """A partner NGO's token: model permissions for agencies, rulings and proceedings, no
    *publish ruling*, not staff."""
    user = User.objects.create_user("ngo-partner", "partner@example.org", "pw")
    for app_label, codename in PARTNER_PERMISSIONS:
        user.user_permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    assert not user.is_staff and not user.has_perm("rulings.publish_ruling")
    return Token.objects.create(user=user).key


@pytest.fixture
def agency_scoped_rulings(records):
    """A draft ruling about two named agencies (the partner may edit it) and a published
    one about one of them, under appeal (the partner may not), with the flag it raises."""
    regulator = RegulatorFactory(jurisdiction="CA")
    toronto = AgencyFactory(country=country("CA"), subdivision="CA-ON", name="Toronto Police Service")
    rcmp = AgencyFactory(country=country("CA"), name="Royal Canadian Mounted Police", aliases=["RCMP"])
    draft = RulingFactory(
        regulator=regulator, status=Ruling.Status.DRAFT, scope=Ruling.Scope.AGENCIES, agencies=[toronto, rcmp]
    )
    ProceedingFactory(ruling=draft, status=Proceeding.Status.DRAFT)
    published = RulingFactory(regulator=regulator, scope=Ruling.Scope.AGENCIES, agencies=[rcmp])
    ProceedingFactory(ruling=published, effect=Proceeding.Effect.APPEALED)
    flags_recompute(ruling_ids=[published.pk])
    return {"draft": draft, "published": published, "agencies": [toronto, rcmp]}


@pytest.fixture
def on_file(agency_scoped_rulings):
    """The ids the generated requests are aimed at."""
    # The agency-scoped rulings (and their proceedings) come up more often than the rest.
    scoped = [agency_scoped_rulings["draft"], agency_scoped_rulings["published"]]
    RECORD_IDS.update(
        agencies=list(Agency.objects.values_list("pk", flat=True)),
        regulators=list(Regulator.objects.values_list("pk", flat=True)),
        rulings=[ruling.pk for ruling in scoped] * 2 + list(Ruling.objects.values_list("pk", flat=True)),
        proceedings=list(Proceeding.objects.filter(ruling__in=scoped).values_list("pk", flat=True)) * 2
        + list(Proceeding.objects.values_list("pk", flat=True)),
        flags=list(Flag.objects.values_list("pk", flat=True)),
    )
    yield agency_scoped_rulings
    RECORD_IDS.clear()


def _resource(case) -> str | None:
    """`rulings` for /api/v1/rulings/ and /api/v1/rulings/{id}/, and so on."""
    parts = case.operation.path.strip("/").split("/")
    return parts[2] if len(parts) > 2 else None


def _on_file(resource: str, pick: int) -> int | None:
    ids = RECORD_IDS.get(resource)
    return ids[pick % len(ids)] if ids else None


def _recent(value):
    """A generated date outside the years of the records on file (most are centuries
    away, many in the future) becomes one after every ruling on file; others stay."""
    try:
        day = datetime.date.fromisoformat(value)
    except (TypeError, ValueError):
        return value
    return value if EARLIEST_DECISION <= day <= datetime.date.today() else PAST_DECISION


def _fields(case) -> set[str]:
    """The fields the operation's request body declares."""
    body = schema.raw_schema["paths"][case.operation.path][case.method.lower()]["requestBody"]
    reference = body["content"]["application/json"]["schema"]["$ref"]
    return set(schema.raw_schema["components"]["schemas"][reference.rsplit("/", 1)[1]]["properties"])


def _aimed_body(case, resource: str, pick: int) -> dict:
    """The body with its references pointed at records on file, a usable source, recent
    dates, a valid fine where one is given and no undeclared field; every other value
    (``scope``, ``status``, ``effect``, …) as generated. What those fields accept is fuzzed
    by the superuser run; here they must not stop a write before the permission and scope
    rules."""
    fields = _fields(case)
    body = {name: value for name, value in case.body.items() if name in fields}
    if case.method.upper() == "POST" and "sources" in fields and "sources" not in body and "source_url" not in body:
        body["sources"] = [SOURCE_URL]
    if isinstance(body.get("regulator"), int):
        body["regulator"] = _on_file("regulators", pick)
    if isinstance(body.get("ruling"), int):
        body["ruling"] = _on_file("rulings", pick)
    agencies = body.get("agencies")
    if isinstance(agencies, list) and all(isinstance(pk, int) for pk in agencies):
        body["agencies"] = sorted({_on_file("agencies", pick + index) for index in range(len(agencies))})
    if isinstance(body.get("sources"), list):
        body["sources"] = [SOURCE_URL]
    if isinstance(body.get("source_url"), str):
        body["source_url"] = SOURCE_URL
    for name in ("decided_on", "first_used", "last_used", "last_verified_on"):
        if name in body:
            body[name] = _recent(body[name])
    if isinstance(body.get("announced_on"), str):
        body["announced_on"] = None
    if body.get("fine_amount") is not None or body.get("fine_currency") is not None:
        body["fine_amount"], body["fine_currency"] = "2500000.00", "sek"
    if resource == "agencies" and isinstance(body.get("country"), str):
        body["country"] = "CA"
        if isinstance(body.get("subdivision"), str):
            body["subdivision"] = "CA-ON"
    return body


@schema.hook("flatmap_case")
def requests_aimed_at_records_on_file(context, case):
    """Most generated requests name records on file; some keep their generated ids, so
    that unknown ones (404) are asked for too. Schemathesis re-checks every changed part
    against the schema, so a negative case made valid here is judged as a valid one."""
    resource = _resource(case)
    if resource not in ("agencies", "regulators", "rulings", "proceedings", "flags"):
        return st.just(case)

    def aim(choice):
        keep_generated_id, pick = choice
        if "id" in (case.path_parameters or {}) and not keep_generated_id and RECORD_IDS.get(resource):
            case.path_parameters = {**case.path_parameters, "id": str(_on_file(resource, pick))}
        if case.method.upper() in ("POST", "PATCH") and isinstance(case.body, dict):
            case.body = _aimed_body(case, resource, pick)
        return case

    return st.tuples(st.sampled_from([False, False, False, True]), st.integers(min_value=0, max_value=63)).map(aim)


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_a_partner_without_publish_permission_gets_only_documented_answers(case, partner_token, on_file):
    # Given a partner's token and records that include agency-scoped rulings
    # When any operation is called with generated input aimed at those records
    # Then the answer is documented (a refused publication is a documented 403), never a 5xx
    case.call_and_validate(headers={"Authorization": f"Token {partner_token}"}, checks=CHECKS)


# --- What a partner may and may not do, call by call ---------------------------------------


def _operations() -> dict[str, tuple[str, str, dict]]:
    """(path, method, definition) of each operation, by its id."""
    return {
        operation["operationId"]: (path, method, operation)
        for path, item in schema.raw_schema["paths"].items()
        for method, operation in item.items()
        if isinstance(operation, dict)
    }


def test_the_schema_documents_a_403_for_every_write_that_needs_publish_permission():
    # Given the published schema
    operations = _operations()

    # Then every write a partner may be refused for want of *publish ruling* documents a 403
    for operation_id in ("rulings_create", "rulings_partial_update", "proceedings_create", "proceedings_partial_update"):
        assert "403" in operations[operation_id][2]["responses"], operation_id


def _call(operation_id: str, token: str, *, body: dict, pk: int | None = None):
    """Call one operation and hold its answer to the schema with the same checks."""
    path, method, _ = _operations()[operation_id]
    case = schema[path][method.upper()].Case(
        path_parameters={"id": str(pk)} if pk is not None else {}, body=body, media_type="application/json"
    )
    return case.call_and_validate(headers={"Authorization": f"Token {token}"}, checks=CHECKS)


def test_a_partner_records_a_draft_about_named_agencies_and_edits_its_list(partner_token, on_file):
    # Given a partner and two agencies in Canada
    toronto, rcmp = on_file["agencies"]
    regulator = on_file["draft"].regulator

    # When it records a draft ruling about one of them, then lists the other instead
    created = _call(
        "rulings_create",
        partner_token,
        body={
            "regulator": regulator.pk, "title": "Finding on the use by Toronto police", "decided_on": "2021-02-03",
            "outcome": "unlawful", "scope": "agencies", "agencies": [toronto.pk], "sources": [SOURCE_URL],
        },
    )  # fmt: skip
    assert created.status_code == 201, created.text
    changed = _call("rulings_partial_update", partner_token, pk=created.json()["id"], body={"agencies": [rcmp.pk]})

    # Then both writes are accepted, and the draft lists the agency it was changed to
    assert changed.status_code == 200, changed.text
    assert changed.json()["status"] == "draft"
    assert changed.json()["agencies"] == [rcmp.pk]


@pytest.mark.parametrize(
    ("operation_id", "target", "body"),
    [
        ("rulings_partial_update", "draft", {"status": "published"}),
        ("rulings_partial_update", "published", {"agencies": ["toronto"]}),
        ("rulings_partial_update", "published", {"title": "A quiet correction"}),
        ("rulings_create", None, {"status": "published"}),
        ("proceedings_create", "published", {"status": "published"}),
        ("proceedings_partial_update", "published proceeding", {"summary": "A quiet correction"}),
        ("proceedings_partial_update", "draft proceeding", {"status": "published"}),
    ],
    ids=[
        "publishing a draft ruling",
        "changing the agencies of a published ruling",
        "editing a published ruling",
        "creating a published ruling",
        "creating a published proceeding",
        "editing a published proceeding",
        "publishing a proceeding",
    ],
)
def test_a_partner_is_refused_what_needs_publish_permission_with_a_documented_403(
    operation_id, target, body, partner_token, on_file
):
    # Given a partner without *publish ruling* and the agency-scoped rulings on file
    toronto, _ = on_file["agencies"]
    draft, published = on_file["draft"], on_file["published"]
    body = {key: ([toronto.pk] if value == ["toronto"] else value) for key, value in body.items()}
    pk = {
        "draft": draft.pk,
        "published": published.pk,
        "published proceeding": published.proceedings.get().pk,
        "draft proceeding": draft.proceedings.get().pk,
    }.get(target)
    if operation_id == "rulings_create":
        body = {
            "regulator": draft.regulator_id, "title": "Finding on the use by Toronto police", "decided_on": "2021-02-03",
            "outcome": "unlawful", "scope": "agencies", "agencies": [toronto.pk], "sources": [SOURCE_URL], **body,
        }  # fmt: skip
    if operation_id == "proceedings_create":
        body = {
            "ruling": pk, "body": "Federal Court", "decided_on": "2021-06-01", "effect": "upheld", "sources": [SOURCE_URL], **body,
        }  # fmt: skip
        pk = None

    # When it asks for the write
    answer = _call(operation_id, partner_token, pk=pk, body=body)

    # Then it is refused with a 403 the schema documents, and nothing changed
    assert answer.status_code == 403, answer.text
    assert answer.json()["detail"]
    draft.refresh_from_db()
    published.refresh_from_db()
    assert draft.status == "draft" and published.title != "A quiet correction"
    assert list(published.agencies.all()) == [on_file["agencies"][1]]
    assert not published.proceedings.filter(summary="A quiet correction").exists()
    assert not Proceeding.objects.filter(body="Federal Court").exists()
    assert not Ruling.objects.filter(status="published", title="Finding on the use by Toronto police").exists()


def _undefined_components(served) -> list[str]:
    defined = served.json()["components"]["schemas"]
    referred = re.findall(r'"#/components/schemas/([^"]+)"', served.content.decode())
    return sorted({name for name in referred if name not in defined})


def test_the_schema_served_again_still_defines_every_component_it_refers_to(client, db):
    # Given the schema, already served in this process (the schemathesis runs load it)
    first = client.get(SCHEMA_PATH)
    cache.clear()

    # When it is served again
    again = client.get(SCHEMA_PATH)

    # Then neither refers to a component it does not define (a client could not resolve
    # the request bodies that use it, and schemathesis generates none), and both are the
    # same schema
    assert _undefined_components(first) == [] and _undefined_components(again) == []
    assert json.loads(again.content) == json.loads(first.content)
