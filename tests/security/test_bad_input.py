"""Bad input tried on every form and serializer: random strings, huge strings, control
characters, NUL characters, invalid Unicode and dates out of range.

Each is sent the way a client would send it (a form post, a query string, a JSON body),
into an otherwise valid submission. The answer is a form error or a 400, or the value is
taken as text; never a 500 (the test client re-raises any exception a view lets through)
and never a partly saved record: after a refusal every table involved has the rows it
had before.
"""

from __future__ import annotations

import datetime
import json
from urllib.parse import quote

import pytest
from django.apps import apps
from django.contrib.auth.models import User
from django.core.cache import cache
from django.urls import reverse
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from agencies.models import Agency, Bloc, Membership
from rulings.models import Proceeding, Regulator, Ruling
from tests.agencies.factories import AgencyFactory, country
from tests.api.conftest import client_for
from tests.rulings.factories import ProceedingFactory, RegulatorFactory, RulingFactory
from tests.tracker.digests_support import SubscriptionFactory, path_of
from tracker.digests.links import manage_url
from tracker.models import Subscription

pytestmark = pytest.mark.django_db

EXAMPLES = settings(
    max_examples=30,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)

# --- What a hostile or careless client sends ----------------------------------------------

random_text = st.text(max_size=60)
huge_text = st.tuples(st.characters(), st.sampled_from([300, 2_000, 70_000, 400_000])).map(lambda pair: pair[0] * pair[1])
control_characters = st.text(st.characters(categories=["Cc", "Cf", "Zl", "Zp"]), min_size=1, max_size=20)
with_nul = st.tuples(random_text, random_text).map(lambda pair: f"{pair[0]}\x00{pair[1]}")
lone_surrogate = st.tuples(random_text, st.characters(categories=["Cs"]), random_text).map("".join)
dates_out_of_range = st.one_of(
    st.dates().map(lambda day: day.isoformat()),
    st.sampled_from(
        ["0000-01-01", "0001-01-01", "9999-12-31", "10000-01-01", "-0001-01-01", "99999-12-31", "2021-02-30",
         "2021-13-01", "2021-00-10", "1e10", "2021-1-1", "20210101", "2021-02-02T25:00:00"]
    ),
)
numbers_out_of_range = st.one_of(
    st.integers().map(str),
    st.sampled_from(["-1", "2147483648", "9223372036854775808", "1e400", "NaN", "Infinity", "-0", "0x10", "1_000"]),
)
BAD_TEXT = st.one_of(random_text, huge_text, control_characters, with_nul, lone_surrogate, dates_out_of_range, numbers_out_of_range)

# What JSON can carry besides text: numbers beyond any column, NaN, nesting, nulls.
BAD_JSON = st.one_of(
    BAD_TEXT,
    st.integers(min_value=-(2**100), max_value=2**100),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.none(),
    st.lists(st.one_of(BAD_TEXT, st.integers(), st.none()), max_size=4),
    st.dictionaries(random_text, st.one_of(BAD_TEXT, st.integers()), max_size=3),
)


def bad_fields(names: list[str], values=BAD_TEXT):
    """One to three of ``names``, each with a bad value."""
    return st.dictionaries(st.sampled_from(names), values, min_size=1, max_size=3)


# --- Sending it as a client would -------------------------------------------------------


def _encode(value: str) -> str:
    # A lone surrogate goes out as the bytes a broken client would send (not valid UTF-8).
    return quote(str(value).encode("utf-8", "surrogatepass"), safe="")


def form_body(data: dict) -> str:
    pairs = []
    for name, value in data.items():
        for item in value if isinstance(value, list) else [value]:
            pairs.append(f"{_encode(name)}={_encode(item)}")
    return "&".join(pairs)


def post_form(client, url: str, data: dict):
    return client.post(url, form_body(data), content_type="application/x-www-form-urlencoded")


def get_query(client, url: str, data: dict):
    return client.get(f"{url}?{form_body(data)}")


def send_json(client, method: str, url: str, payload) -> object:
    # json.dumps writes a lone surrogate as a \ud800 escape, which JSON allows and Python reads back.
    body = json.dumps(payload, allow_nan=True)
    return getattr(client, method)(url, body, content_type="application/json")


# --- Counting rows, to see that a refusal leaves nothing behind ------------------------------

MODELS = ["agencies.Agency", "agencies.Bloc", "agencies.Membership", "rulings.Regulator", "rulings.Ruling",
          "rulings.Proceeding", "tracker.Subscription", "tracker.Flag", "tracker.PendingRecompute"]


def row_counts() -> dict[str, int]:
    """Rows of every table a form or serializer here can write, their histories and links included."""
    counts = {}
    for label in MODELS:
        model = apps.get_model(label)
        counts[label] = model.objects.count()
        history = getattr(model, "history", None)
        if history is not None:
            counts[f"{label} history"] = history.model.objects.count()
        for field in model._meta.many_to_many:
            counts[f"{label}.{field.name}"] = field.remote_field.through.objects.count()
    return counts


def assert_refused_or_saved(response, before: dict, *, saved_statuses: set[int], refused_statuses: set[int]):
    assert response.status_code in saved_statuses | refused_statuses, response.status_code
    if response.status_code in refused_statuses:
        assert row_counts() == before


@pytest.fixture(autouse=True)
def no_rate_limits():
    """The subscription rate limit is tested on its own; here every request is let through."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def superuser(db):
    return User.objects.create_superuser("root", "root@example.org", "pw")


@pytest.fixture
def as_superuser(client, superuser):
    client.force_login(superuser)
    return client


def admin_add(model) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_add")


def management_form(prefix: str, total: int = 0) -> dict:
    return {f"{prefix}-TOTAL_FORMS": total, f"{prefix}-INITIAL_FORMS": 0, f"{prefix}-MIN_NUM_FORMS": 0,
            f"{prefix}-MAX_NUM_FORMS": 1000}


# --- Admin forms ------------------------------------------------------------------------

# An admin form with errors is re-rendered (200); a saved one redirects (302).
ADMIN = {"saved_statuses": {302}, "refused_statuses": {200, 400}}

AGENCY_FORM = {
    "name": "Ottawa Police Service", "aliases": "OPS", "kind": "police", "country": "CA", "subdivision": "CA-ON",
    "searches": "12", "searches_qualifier": "at_least", "first_used": "2019-11-01", "last_used": "2020-02-01",
    "authorized": "unknown", "paid": "false", "notes": "", "sources": "https://example.org/article",
    "wikidata": "Q7108542", "last_verified_on": "2025-11-03",
}


@EXAMPLES
@given(bad=bad_fields(list(AGENCY_FORM)))
# Once a 500: the country widget looked the submitted value up in the database to show it again.
@example(bad={"country": "C\x00A"})
# PostgreSQL cannot store a NUL character inside JSON either (aliases, sources).
@example(bad={"aliases": "RCMP\x00"})
@example(bad={"sources": '[{"url": "https://example.org/a", "quote": "\\u0000"}]'})
def test_the_agency_admin_form_refuses_bad_input_cleanly(as_superuser, bad):
    before = row_counts()
    response = post_form(as_superuser, admin_add(Agency), {**AGENCY_FORM, **management_form("flags"), **bad})
    assert_refused_or_saved(response, before, **ADMIN)


REGULATOR_FORM = {"name": "Office of the Privacy Commissioner", "short_name": "OPC", "aliases": "Commissariat",
                  "jurisdiction": "CA", "website": "https://priv.example.org", "wikidata": "Q7079170"}


@EXAMPLES
@given(bad=bad_fields(list(REGULATOR_FORM)))
@example(bad={"aliases": "\x00"})
def test_the_regulator_admin_form_refuses_bad_input_cleanly(as_superuser, bad):
    before = row_counts()
    response = post_form(as_superuser, admin_add(Regulator), {**REGULATOR_FORM, **bad})
    assert_refused_or_saved(response, before, **ADMIN)


@pytest.fixture
def ruling_records(db):
    regulator = RegulatorFactory(jurisdiction="CA")
    agency = AgencyFactory(country=country("CA"), subdivision="CA-ON")
    return {"regulator": regulator.pk, "agency": agency.pk}


RULING_FIELDS = ["regulator", "title", "decided_on", "decided_on_precision", "announced_on", "outcome", "concerns",
                 "scope", "agencies", "case_reference", "ecli", "fine_amount", "fine_currency", "fine_notes", "summary",
                 "sources", "status", "last_verified_on"]


@EXAMPLES
@given(bad=bad_fields(RULING_FIELDS))
@example(bad={"agencies": ":", "regulator": "1\x00"})
def test_the_ruling_admin_form_refuses_bad_input_cleanly(as_superuser, ruling_records, bad):
    form = {
        "regulator": ruling_records["regulator"], "title": "Finding on the police's use of the search tool",
        "decided_on": "2021-02-02", "decided_on_precision": "day", "announced_on": "2021-02-03", "outcome": "unlawful",
        "concerns": "use", "scope": "agencies", "agencies": [ruling_records["agency"]], "case_reference": "PIPEDA-2021-001",
        "ecli": "", "fine_amount": "1000", "fine_currency": "CAD", "fine_notes": "", "summary": "",
        "sources": "https://example.org/finding", "status": "draft", "last_verified_on": "", **management_form("flags"),
    }
    before = row_counts()
    response = post_form(as_superuser, admin_add(Ruling), {**form, **bad})
    assert_refused_or_saved(response, before, **ADMIN)


PROCEEDING_FIELDS = ["ruling", "body", "decided_on", "decided_on_precision", "effect", "case_reference", "ecli",
                     "fine_amount", "fine_currency", "summary", "sources", "status"]


@pytest.fixture
def proceeding_records(db):
    return {"ruling": RulingFactory(decided_on=datetime.date(2022, 5, 18)).pk}


@EXAMPLES
@given(bad=bad_fields(PROCEEDING_FIELDS))
def test_the_proceeding_admin_form_refuses_bad_input_cleanly(as_superuser, proceeding_records, bad):
    form = {
        "ruling": proceeding_records["ruling"], "body": "First-tier Tribunal (General Regulatory Chamber)",
        "decided_on": "2023-10-17", "decided_on_precision": "day", "effect": "varied", "case_reference": "[2023] UKFTT 819 (GRC)",
        "ecli": "", "fine_amount": "1000", "fine_currency": "gbp", "summary": "", "sources": "https://example.org/judgment",
        "status": "draft",
    }
    before = row_counts()
    response = post_form(as_superuser, admin_add(Proceeding), {**form, **bad})
    assert_refused_or_saved(response, before, **ADMIN)


BLOC_FIELDS = ["code", "name", "memberships-0-country", "memberships-0-joined", "memberships-0-left",
               "memberships-1-country", "memberships-1-joined", "memberships-1-left"]


@EXAMPLES
@given(bad=bad_fields(BLOC_FIELDS))
def test_the_bloc_admin_form_and_its_memberships_refuse_bad_input_cleanly(as_superuser, bad):
    form = {
        "code": "MERCOSUR", "name": "Mercosur", **management_form("memberships", total=2),
        "memberships-0-country": "AR", "memberships-0-joined": "1991-03-26", "memberships-0-left": "",
        "memberships-1-country": "BR", "memberships-1-joined": "1991-03-26", "memberships-1-left": "",
    }
    before = row_counts()
    response = post_form(as_superuser, admin_add(Bloc), {**form, **bad})
    assert_refused_or_saved(response, before, **ADMIN)
    Bloc.objects.filter(code="MERCOSUR").delete()


@EXAMPLES
@given(bad=bad_fields(["bloc", "country", "joined", "left"]))
@example(bad={"country": "\x00"})
def test_the_membership_admin_form_refuses_bad_input_cleanly(as_superuser, bad):
    before = row_counts()
    response = post_form(as_superuser, admin_add(Membership), {"bloc": "EU", "country": "NO", "joined": "2030-01-01", "left": "", **bad})
    assert_refused_or_saved(response, before, **ADMIN)


# --- Public forms -----------------------------------------------------------------------


@EXAMPLES
@given(bad=bad_fields(["email", "frequency", "countries", "regulators"]))
def test_the_subscribe_form_refuses_bad_input_cleanly(client, bad):
    cache.clear()
    before = row_counts()
    response = post_form(client, reverse("digests:subscribe"), {"email": "reader@example.org", "frequency": "weekly", "countries": ["SE"], **bad})
    # Accepted: a redirect to "check your inbox"; refused: the form again, with its errors.
    assert_refused_or_saved(response, before, saved_statuses={302}, refused_statuses={400})
    Subscription.objects.all().delete()


@EXAMPLES
@given(bad=bad_fields(["frequency", "countries", "regulators"]))
def test_the_manage_form_refuses_bad_input_cleanly(client, bad):
    subscription = SubscriptionFactory(email="manage@example.org")
    before = row_counts()
    response = post_form(client, path_of(manage_url(subscription)), {"frequency": "daily", **bad})
    assert_refused_or_saved(response, before, saved_statuses={200}, refused_statuses={400})
    subscription.delete()


@EXAMPLES
@given(bad=bad_fields(["search", "country", "kind", "status", "ordering", "page"]))
def test_the_agency_table_filters_refuse_bad_input_cleanly(client, bad):
    response = get_query(client, reverse("tracker:home"), bad)
    assert response.status_code in {200, 400}


@EXAMPLES
@given(bad=bad_fields(["status", "outcome", "page"]))
def test_the_ruling_list_filters_refuse_bad_input_cleanly(client, bad):
    response = get_query(client, reverse("tracker:rulings"), bad)
    assert response.status_code in {200, 400}


# --- API serializers ---------------------------------------------------------------------

API_CREATE = {"saved_statuses": {201}, "refused_statuses": {400}}

AGENCY_JSON = {"name": "Ottawa Police Service", "aliases": ["OPS"], "country": "CA", "subdivision": "CA-ON",
               "kind": "police", "searches": 12, "searches_qualifier": "about", "first_used": "2019-11-01",
               "last_used": "2020-02-01", "authorized": None, "paid": False, "notes": "",
               "sources": ["https://example.org/article", {"url": "https://example.org/report", "kind": "primary"}],
               "wikidata": "Q7108542", "last_verified_on": "2025-11-03"}
REGULATOR_JSON = {**REGULATOR_FORM, "aliases": ["Commissariat"]}


@pytest.fixture
def api(superuser) -> APIClient:
    return client_for(superuser)


@EXAMPLES
@given(bad=bad_fields(list(AGENCY_JSON), BAD_JSON))
def test_the_agency_serializer_refuses_bad_input_cleanly(api, bad):
    before = row_counts()
    response = send_json(api, "post", "/api/v1/agencies/", {**AGENCY_JSON, **bad})
    assert_refused_or_saved(response, before, **API_CREATE)


@EXAMPLES
@given(bad=bad_fields(list(REGULATOR_JSON), BAD_JSON))
def test_the_regulator_serializer_refuses_bad_input_cleanly(api, bad):
    before = row_counts()
    response = send_json(api, "post", "/api/v1/regulators/", {**REGULATOR_JSON, **bad})
    assert_refused_or_saved(response, before, **API_CREATE)


@EXAMPLES
@given(bad=bad_fields(RULING_FIELDS, BAD_JSON))
def test_the_ruling_serializer_refuses_bad_input_cleanly(api, ruling_records, bad):
    payload = {
        "regulator": ruling_records["regulator"], "title": "Finding on the police's use of the search tool",
        "decided_on": "2021-02-02", "decided_on_precision": "day", "announced_on": "2021-02-03", "outcome": "unlawful",
        "concerns": "use", "scope": "agencies", "agencies": [ruling_records["agency"]], "case_reference": "PIPEDA-2021-001",
        "ecli": None, "fine_amount": "1000.00", "fine_currency": "cad", "fine_notes": "", "summary": "",
        "sources": [{"url": "https://example.org/finding", "kind": "primary"}], "status": "draft",
        "last_verified_on": None,
    }
    before = row_counts()
    response = send_json(api, "post", "/api/v1/rulings/", {**payload, **bad})
    assert_refused_or_saved(response, before, **API_CREATE)


# Where the bad value is put: a field, or an item or key inside the sources.
SOURCE_PLACES = ["url", "title", "publisher", "published_on", "kind", "archived_url", "quote", "item", "extra key"]


@EXAMPLES
@given(place=st.sampled_from(SOURCE_PLACES), value=BAD_JSON)
@example(place="url", value="javascript:alert(1)")
@example(place="archived_url", value="data:text/html,<script>alert(1)</script>")
def test_a_bad_source_is_refused_cleanly_wherever_it_sits(api, ruling_records, place, value):
    source = {"url": "https://example.org/finding"}
    if place == "item":
        sources = [source, value]
    elif place == "extra key":
        sources = [{**source, "href": value}]
    else:
        sources = [{**source, place: value}]
    payload = {"regulator": ruling_records["regulator"], "title": "Finding", "decided_on": "2021-02-02",
               "outcome": "unlawful", "scope": "jurisdiction", "sources": sources}
    before = row_counts()
    response = send_json(api, "post", "/api/v1/rulings/", payload)
    assert_refused_or_saved(response, before, **API_CREATE)
    if response.status_code == 201:
        stored = Ruling.objects.get(pk=response.json()["id"]).sources
        # Whatever was taken is an http(s) URL or plain text, never a script address.
        assert all(s["url"].startswith(("http://", "https://")) for s in stored)
        assert all(s["archived_url"] is None or s["archived_url"].startswith(("http://", "https://")) for s in stored)
        Ruling.objects.all().delete()
    else:
        # The field is named, unless the body was not JSON at all (NaN, Infinity).
        body = response.json()
        assert "JSON parse error" in body.get("detail", "") or all(field.startswith("sources") for field in body), body


PROCEEDING_JSON_FIELDS = PROCEEDING_FIELDS


@EXAMPLES
@given(bad=bad_fields(PROCEEDING_JSON_FIELDS, BAD_JSON))
@example(bad={"decided_on": "2022-05-17"})
@example(bad={"ecli": "ECLI:gb:x"})
@example(bad={"decided_on": "2999-12-31"})
def test_the_proceeding_serializer_refuses_bad_input_cleanly(api, proceeding_records, bad):
    payload = {
        "ruling": proceeding_records["ruling"], "body": "First-tier Tribunal (General Regulatory Chamber)",
        "decided_on": "2023-10-17", "decided_on_precision": "day", "effect": "varied",
        "case_reference": "[2023] UKFTT 819 (GRC)", "ecli": None, "fine_amount": "1000.00", "fine_currency": "gbp",
        "summary": "", "sources": ["https://example.org/judgment"], "status": "draft",
    }
    before = row_counts()
    response = send_json(api, "post", "/api/v1/proceedings/", {**payload, **bad})
    assert_refused_or_saved(response, before, **API_CREATE)


@pytest.fixture
def existing(db):
    regulator = RegulatorFactory(jurisdiction="CA")
    agency = AgencyFactory(country=country("CA"), subdivision="CA-ON")
    ruling = RulingFactory(regulator=regulator, status=Ruling.Status.DRAFT, scope=Ruling.Scope.AGENCIES, agencies=[agency])
    proceeding = ProceedingFactory(ruling=ruling, status=Proceeding.Status.DRAFT)
    return {"regulators": regulator, "agencies": agency, "rulings": ruling, "proceedings": proceeding}


PATCHABLE = {"regulators": list(REGULATOR_JSON), "agencies": list(AGENCY_JSON), "rulings": RULING_FIELDS + ["source_url"],
             "proceedings": PROCEEDING_FIELDS}


@EXAMPLES
@given(data=st.data())
def test_a_bad_change_through_the_api_leaves_the_record_as_it_was(api, existing, data):
    resource = data.draw(st.sampled_from(sorted(PATCHABLE)))
    bad = data.draw(bad_fields(PATCHABLE[resource], BAD_JSON))
    record = existing[resource]
    before, shown_before = row_counts(), api.get(f"/api/v1/{resource}/{record.pk}/").json()
    response = send_json(api, "patch", f"/api/v1/{resource}/{record.pk}/", bad)
    assert response.status_code in {200, 400}
    if response.status_code == 400:
        assert row_counts() == before
        assert api.get(f"/api/v1/{resource}/{record.pk}/").json() == shown_before


@EXAMPLES
@given(bad=bad_fields(["email", "frequency", "countries", "regulators"], BAD_JSON))
def test_the_subscription_serializer_refuses_bad_input_cleanly(bad):
    cache.clear()
    before = row_counts()
    response = send_json(APIClient(), "post", "/api/v1/subscriptions/", {"email": "reader@example.org", "frequency": "daily", **bad})
    assert_refused_or_saved(response, before, saved_statuses={202}, refused_statuses={400})
    Subscription.objects.all().delete()
