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
        ("/api/v1/proceedings/", {"get", "post"}),
        ("/api/v1/proceedings/{id}/", {"get", "patch"}),
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
            {
                "regulator", "jurisdiction", "outcome", "concerns", "status", "standing", "published_after",
                "decided_after", "decided_before", "format",
            },
        ),
        ("/api/v1/proceedings/", {"ruling", "effect", "status", "page", "page_size", "format"}),
        ("/api/v1/flags/", {"agency", "ruling", "active", "severity", "basis", "under_appeal", "country", "format"}),
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
    assert components["RulingStatusEnum"]["enum"] == ["draft", "published", "withdrawn"]
    assert components["ProceedingStatusEnum"]["enum"] == ["draft", "published"]
    assert components["StandingEnum"]["enum"] == ["draft", "in_force", "under_appeal", "overturned", "withdrawn"]
    assert components["EffectEnum"]["enum"] == ["appealed", "upheld", "varied", "overturned", "restored", "remitted"]
    assert components["ConcernsEnum"]["enum"] == ["use", "vendor"]
    assert components["BasisEnum"]["enum"] == ["use", "vendor"]
    assert components["DecidedOnPrecisionEnum"]["enum"] == ["day", "month", "year"]
    assert components["SearchesQualifierEnum"]["enum"] == ["at_least", "about", "at_most", "exact"]
    assert components["AgencyStatusEnum"]["enum"] == ["flagged", "advisory", "none"]
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
    assert {"flagged", "status", "flags"} <= set(components["Agency"]["properties"])
    assert not {"flagged", "status", "flags"} & set(components["AgencyRequest"]["properties"])
    assert {"standing", "proceedings"} <= set(components["Ruling"]["properties"])
    assert not {"standing", "proceedings", "published_at"} & set(components["RulingRequest"]["properties"])
    assert "published_at" not in components["ProceedingRequest"]["properties"]


@pytest.mark.parametrize(
    ("component", "fields"),
    [
        ("Agency", {"aliases", "searches_qualifier", "sources", "wikidata", "last_verified_on"}),
        ("Regulator", {"aliases", "wikidata"}),
        (
            "Ruling",
            {
                "decided_on_precision", "announced_on", "concerns", "case_reference", "ecli", "fine_notes", "sources",
                "source_url", "last_verified_on",
            },
        ),
        (
            "Proceeding",
            {
                "id", "ruling", "body", "decided_on", "decided_on_precision", "effect", "case_reference", "ecli",
                "fine_amount", "fine_currency", "summary", "sources", "status", "published_at",
            },
        ),
        ("Flag", {"basis", "under_appeal", "cleared_reason"}),
        ("AgencyFlag", {"basis", "under_appeal"}),
    ],
)
def test_the_fields_of_each_record_are_described(schema, component, fields):
    assert fields <= set(schema["components"]["schemas"][component]["properties"])


def test_sources_are_objects_when_read_and_urls_or_objects_when_written(schema):
    components = schema["components"]["schemas"]

    read = components["Ruling"]["properties"]["sources"]
    written = components["RulingRequest"]["properties"]["sources"]

    assert read["items"] == {"$ref": "#/components/schemas/Source"}
    assert set(components["Source"]["properties"]) == {
        "url", "title", "publisher", "published_on", "kind", "archived_url", "quote",
    }
    kinds = [option["type"] if "type" in option else option["$ref"] for option in written["items"]["oneOf"]]
    assert kinds == ["string", "#/components/schemas/SourceRequest"]
    assert components["SourceRequest"]["required"] == ["url"]
    assert read["minItems"] == 1 and "minItems" not in components["AgencyRequest"]["properties"]["sources"]


def test_the_docs_page_shows_the_schema(api_client):
    response = api_client.get("/api/docs/")

    assert response.status_code == 200
    assert b"swagger" in response.content.lower()
    assert b"/api/schema/" in response.content
