"""The OpenAPI schema at /api/schema/ is valid and describes every endpoint, filter and error."""

import json

import pytest
from drf_spectacular.validation import validate_schema

pytestmark = pytest.mark.django_db


@pytest.fixture
def schema(api_client):
    response = api_client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    return json.loads(response.content)


def test_the_schema_is_valid_openapi_3(schema):
    assert schema["openapi"].startswith("3.")
    validate_schema(schema)


@pytest.mark.parametrize(
    ("path", "methods"),
    [
        ("/api/v1/countries/", {"get"}),
        ("/api/v1/countries/{code}/", {"get"}),
        ("/api/v1/blocs/{code}/", {"get"}),
        ("/api/v1/regulators/", {"get", "post"}),
        ("/api/v1/regulators/{id}/", {"get", "patch"}),
        ("/api/v1/agencies/", {"get", "post"}),
        ("/api/v1/agencies/{id}/", {"get", "patch"}),
        ("/api/v1/rulings/", {"get", "post"}),
        ("/api/v1/rulings/{id}/", {"get", "patch"}),
        ("/api/v1/flags/", {"get"}),
        ("/api/v1/flags/{id}/", {"get"}),
    ],
)
def test_every_endpoint_and_method_is_described(schema, path, methods):
    assert methods <= set(schema["paths"][path])


@pytest.mark.parametrize(
    ("path", "parameters"),
    [
        (
            "/api/v1/agencies/",
            {"country", "subdivision", "kind", "flagged", "status", "search", "ordering", "page", "page_size", "format"},
        ),
        (
            "/api/v1/rulings/",
            {"regulator", "jurisdiction", "outcome", "status", "published_after", "decided_after", "decided_before", "format"},
        ),
        ("/api/v1/flags/", {"agency", "ruling", "active", "severity", "country", "format"}),
    ],
)
def test_every_filter_is_described(schema, path, parameters):
    described = {parameter["name"] for parameter in schema["paths"][path]["get"]["parameters"]}

    assert parameters <= described


def test_enums_are_described(schema):
    components = schema["components"]["schemas"]

    assert components["AgencyKindEnum"]["enum"] == [
        "police", "prosecutor", "ministry", "intelligence", "military", "university", "international", "private", "other",
    ]
    assert components["RulingStatusEnum"]["enum"] == ["draft", "published", "overturned", "withdrawn"]
    assert components["FlagSeverityEnum"]["enum"] == ["unlawful", "advisory"]
    status_filter = next(p for p in schema["paths"]["/api/v1/agencies/"]["get"]["parameters"] if p["name"] == "status")
    assert sorted(status_filter["schema"]["enum"]) == ["advisory", "flagged", "none"]


def test_error_responses_are_described(schema):
    create = schema["paths"]["/api/v1/rulings/"]["post"]["responses"]
    update = schema["paths"]["/api/v1/rulings/{id}/"]["patch"]["responses"]
    listing = schema["paths"]["/api/v1/agencies/"]["get"]["responses"]

    assert {"201", "400", "401", "403", "429", "503"} <= set(create)
    assert {"200", "400", "401", "403", "404", "503"} <= set(update)
    assert {"200", "400", "404", "429", "503"} <= set(listing)
    assert "text/csv" in listing["200"]["content"]
    assert "Retry-After" in listing["503"]["headers"]


def test_read_only_fields_are_not_in_requests(schema):
    components = schema["components"]["schemas"]

    assert "published_at" in components["Ruling"]["properties"]
    assert "published_at" not in components["RulingRequest"]["properties"]
    assert {"flagged", "flags"} <= set(components["Agency"]["properties"])
    assert not {"flagged", "flags"} & set(components["AgencyRequest"]["properties"])


def test_the_docs_page_shows_the_schema(api_client):
    response = api_client.get("/api/docs/")

    assert response.status_code == 200
    assert b"swagger" in response.content.lower()
    assert b"/api/schema/" in response.content
