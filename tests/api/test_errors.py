"""Bad input is a 400 naming the field, unknown ids 404, wrong methods 405, outages 503."""

import json

import psycopg2
import pytest
from django.db import connection

from agencies.models import Agency
from tests.agencies.factories import AgencyFactory
from tests.rulings.factories import ProceedingFactory, RulingFactory
from tests.tracker.factories import FlagFactory

pytestmark = pytest.mark.django_db


# --- NUL characters and invalid Unicode -------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/agencies/?search=%00",
        "/api/v1/agencies/?country=C%00A",
        "/api/v1/rulings/?jurisdiction=%00",
        "/api/v1/flags/?country=%00",
        "/api/v1/proceedings/?effect=%00",
        "/api/v1/countries/?page=1%00",
        "/api/v1/regulators/?search=%00",
    ],
)
def test_a_nul_character_in_a_query_parameter_is_a_400_naming_it(api_client, url):
    response = api_client.get(url)

    assert response.status_code == 400
    name = url.split("?")[1].split("=")[0]
    assert "NUL character" in " ".join(response.json()[name])


@pytest.mark.parametrize(
    "url",
    ["/api/v1/agencies/?search=%FF", "/api/v1/rulings/?title=caf%C3", "/api/v1/flags/?country=%ED%A0%80"],
)
def test_invalid_unicode_in_a_query_parameter_is_a_400_naming_it(api_client, url):
    response = api_client.get(url)

    assert response.status_code == 400
    name = url.split("?")[1].split("=")[0]
    assert "not valid Unicode" in " ".join(response.json()[name])


def test_valid_non_ascii_text_in_a_query_is_fine(api_client):
    AgencyFactory(name="Polizei Zürich")

    response = api_client.get("/api/v1/agencies/?search=z%C3%BCrich")

    assert response.status_code == 200 and response.json()["count"] == 1


def test_a_nul_character_in_a_body_field_is_a_400_naming_it(editor_client):
    response = editor_client.post(
        "/api/v1/agencies/", {"name": "Police\u0000", "kind": "police", "country": "FR"}, format="json"
    )

    assert response.status_code == 400
    assert "NUL character" in " ".join(response.json()["name"])
    assert not Agency.objects.exists()


def test_a_nul_character_inside_a_list_field_is_a_400_naming_the_item(editor_client):
    response = editor_client.post(
        "/api/v1/agencies/",
        {"name": "Police", "kind": "police", "country": "FR", "sources": ["https://example.org/\u0000"]},
        format="json",
    )

    assert response.status_code == 400
    assert "sources.0" in response.json()


def test_a_lone_surrogate_in_a_body_field_is_a_400_naming_it(editor_client):
    body = '{"name": "Police \\ud800", "kind": "police", "country": "FR"}'

    response = editor_client.generic("POST", "/api/v1/agencies/", body, content_type="application/json")

    assert response.status_code == 400
    assert "not valid Unicode" in " ".join(response.json()["name"])


def test_bytes_that_are_not_utf8_in_a_body_field_are_a_400_naming_it(editor_client):
    body = b'{"name": "Caf\xe9 Police", "kind": "police", "country": "FR"}'

    response = editor_client.generic("POST", "/api/v1/agencies/", body, content_type="application/json")

    assert response.status_code == 400
    assert "not valid Unicode" in " ".join(response.json()["name"])


def test_a_nul_character_in_a_patch_is_a_400(editor_client):
    ruling = RulingFactory(status="draft")

    response = editor_client.patch(f"/api/v1/rulings/{ruling.pk}/", {"summary": "a\x00b"}, format="json")

    assert response.status_code == 400 and "summary" in response.json()


def test_malformed_json_is_a_400_saying_so(editor_client):
    response = editor_client.generic("POST", "/api/v1/agencies/", '{"name": ', content_type="application/json")

    assert response.status_code == 400
    assert "JSON parse error" in response.json()["detail"]


@pytest.mark.parametrize(
    "body",
    ["[" * 100_000 + "]" * 100_000, '{"a": ' * 50_000 + "1" + "}" * 50_000, '{"sources": ' + "[" * 40 + "]" * 40 + "}"],
)
@pytest.mark.parametrize("url", ["/api/v1/rulings/", "/api/v1/proceedings/", "/api/v1/subscriptions/"])
def test_json_nested_too_deeply_is_a_400_saying_so(publisher_client, url, body):
    response = publisher_client.generic("POST", url, body, content_type="application/json")

    assert response.status_code == 400
    assert "nested more than" in " ".join(response.json()["body"])


def test_a_body_too_large_to_read_is_a_json_400_saying_so(publisher_client):
    body = json.dumps({"title": "x" * 3_000_000})

    response = publisher_client.generic("POST", "/api/v1/rulings/", body, content_type="application/json")

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert "larger than" in " ".join(response.json()["body"])


def test_a_body_that_is_not_json_is_a_415(editor_client):
    response = editor_client.post("/api/v1/agencies/", {"name": "x"})  # multipart form

    assert response.status_code == 415


def test_errors_are_json_even_when_csv_was_asked_for(api_client):
    response = api_client.get("/api/v1/agencies/", {"format": "csv", "kind": "sheriff"})

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert "kind" in response.json()


# --- 404 and 405 ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/agencies/999999/",
        "/api/v1/agencies/abc/",
        "/api/v1/agencies/99999999999999999999999/",
        "/api/v1/regulators/999999/",
        "/api/v1/rulings/999999/",
        "/api/v1/proceedings/999999/",
        "/api/v1/proceedings/abc/",
        "/api/v1/flags/999999/",
        "/api/v1/countries/XX/",
        "/api/v1/countries/ca/",
        "/api/v1/countries/CAN/",
        "/api/v1/blocs/NOPE/",
        "/api/v1/blocs/eu/",
        "/api/v1/no-such-thing/",
    ],
)
def test_an_unknown_id_or_code_is_a_json_404(api_client, url):
    response = api_client.get(url)

    assert response.status_code == 404
    assert response.json()["detail"]


def test_a_page_past_the_last_is_a_404(api_client):
    assert api_client.get("/api/v1/agencies/", {"page": 2}).status_code == 404


def test_patching_an_unknown_id_is_a_404(editor_client):
    assert editor_client.patch("/api/v1/agencies/999999/", {"name": "x"}, format="json").status_code == 404


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("put", "/api/v1/agencies/{agency}/"),
        ("delete", "/api/v1/agencies/{agency}/"),
        ("delete", "/api/v1/rulings/{ruling}/"),
        ("put", "/api/v1/proceedings/{proceeding}/"),
        ("delete", "/api/v1/proceedings/{proceeding}/"),
        ("post", "/api/v1/countries/"),
        ("patch", "/api/v1/countries/CA/"),
        ("post", "/api/v1/blocs/"),
        ("post", "/api/v1/flags/"),
        ("patch", "/api/v1/flags/{flag}/"),
        ("delete", "/api/v1/agencies/"),
    ],
)
@pytest.mark.parametrize("who", ["anonymous", "publisher"])
def test_a_method_an_endpoint_does_not_offer_is_a_405(api_client, publisher_client, method, url, who):
    flag = FlagFactory()
    proceeding = ProceedingFactory(ruling=flag.ruling)
    client = api_client if who == "anonymous" else publisher_client
    url = url.format(agency=flag.agency_id, ruling=flag.ruling_id, flag=flag.pk, proceeding=proceeding.pk)

    response = getattr(client, method)(url, {}, format="json")

    assert response.status_code == 405
    assert "not allowed" in response.json()["detail"]


# --- Outages ------------------------------------------------------------------------------


@pytest.fixture
def agencies_table_locked():
    """Another session holds the agencies table, so that the database does not answer in time."""
    settings = connection.settings_dict
    other = psycopg2.connect(
        dbname=settings["NAME"],
        user=settings["USER"],
        password=settings["PASSWORD"],
        host=settings["HOST"],
        port=settings["PORT"] or 5432,
    )
    with other.cursor() as cursor:
        cursor.execute("LOCK TABLE agencies_agency IN ACCESS EXCLUSIVE MODE")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL lock_timeout = '200ms'")
    yield
    other.rollback()
    other.close()


def test_a_database_that_does_not_answer_is_a_503_with_retry_after(api_client, agencies_table_locked):
    response = api_client.get("/api/v1/agencies/")

    assert response.status_code == 503
    assert int(response["Retry-After"]) > 0
    assert "unavailable" in json.loads(response.content)["detail"]
