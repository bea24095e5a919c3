"""/api/v1/proceedings/: what happened to a ruling after it was decided — read by anyone,
written with a token; publishing needs *publish ruling*, and a bad proceeding is a 400
naming the field, with nothing saved."""

import datetime

import pytest
from django.contrib.auth.models import Permission, User

from rulings.models import Proceeding, Ruling
from tests.api.conftest import client_for
from tests.rulings.factories import ProceedingFactory, RegulatorFactory, RulingFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def ico_fine():
    """The UK regulator's 2022 fine of the vendor."""
    return RulingFactory(
        regulator=RegulatorFactory(name="Information Commissioner's Office", jurisdiction="GB"),
        title="Monetary penalty notice",
        decided_on=datetime.date(2022, 5, 18),
        concerns=Ruling.Concerns.VENDOR,
        fine_amount="7552800.00",
        fine_currency="GBP",
    )


def first_tier_decision(ruling, /, **overrides):
    return {
        "ruling": ruling.pk,
        "body": "First-tier Tribunal (General Regulatory Chamber)",
        "decided_on": "2023-10-17",
        "effect": "overturned",
        "case_reference": "[2023] UKFTT 819 (GRC)",
        "summary": "Appeal allowed: the regulator lacked jurisdiction.",
        "sources": ["https://tribunal.example.org/ukftt-2023-819"],
        **overrides,
    }


# --- Reading ------------------------------------------------------------------------------


def test_a_proceeding_is_read_with_every_field(api_client, ico_fine):
    proceeding = ProceedingFactory(
        ruling=ico_fine,
        body="Upper Tribunal (Administrative Appeals Chamber)",
        decided_on=datetime.date(2025, 10, 6),
        effect=Proceeding.Effect.REMITTED,
        case_reference="[2025] UKUT 319 (AAC)",
    )

    body = api_client.get(f"/api/v1/proceedings/{proceeding.pk}/").json()

    assert body["id"] == proceeding.pk and body["ruling"] == ico_fine.pk
    assert body["body"] == "Upper Tribunal (Administrative Appeals Chamber)"
    assert (body["decided_on"], body["decided_on_precision"], body["effect"]) == ("2025-10-06", "day", "remitted")
    assert (body["case_reference"], body["ecli"], body["fine_amount"], body["fine_currency"]) == (
        "[2025] UKUT 319 (AAC)", None, None, None,
    )
    assert body["sources"][0]["url"] == "https://court.example.org/judgment"
    assert body["status"] == "published" and body["published_at"] is not None


def test_proceedings_are_listed_oldest_decision_first(api_client, ico_fine):
    later = ProceedingFactory(ruling=ico_fine, decided_on=datetime.date(2025, 10, 6), effect=Proceeding.Effect.REMITTED)
    earlier = ProceedingFactory(ruling=ico_fine, decided_on=datetime.date(2023, 10, 17), effect=Proceeding.Effect.OVERTURNED)

    listed = api_client.get("/api/v1/proceedings/").json()

    assert [row["id"] for row in listed["results"]] == [earlier.pk, later.pk]


def test_drafts_and_the_proceedings_of_draft_rulings_are_hidden_from_the_public(api_client, reader_client, editor_client):
    # Given a published proceeding, a draft one, and a published one on a draft ruling
    public = ProceedingFactory()
    draft = ProceedingFactory(status=Proceeding.Status.DRAFT)
    on_draft_ruling = ProceedingFactory(ruling=RulingFactory(status=Ruling.Status.DRAFT))

    # Then readers see only the first; editors see all three
    for client in (api_client, reader_client):
        assert [row["id"] for row in client.get("/api/v1/proceedings/").json()["results"]] == [public.pk]
        assert client.get(f"/api/v1/proceedings/{draft.pk}/").status_code == 404
        assert client.get(f"/api/v1/proceedings/{on_draft_ruling.pk}/").status_code == 404
    staff = {row["id"] for row in editor_client.get("/api/v1/proceedings/").json()["results"]}
    assert staff == {public.pk, draft.pk, on_draft_ruling.pk}


def test_a_ruling_embeds_only_the_proceedings_the_reader_may_see(api_client, ico_fine):
    published = ProceedingFactory(ruling=ico_fine, effect=Proceeding.Effect.APPEALED)
    ProceedingFactory(ruling=ico_fine, effect=Proceeding.Effect.OVERTURNED, status=Proceeding.Status.DRAFT)

    body = api_client.get(f"/api/v1/rulings/{ico_fine.pk}/").json()

    assert [row["id"] for row in body["proceedings"]] == [published.pk]
    assert body["standing"] == "under_appeal"


@pytest.mark.parametrize("url", ["/api/v1/proceedings/999999/", "/api/v1/proceedings/abc/"])
def test_an_unknown_proceeding_is_a_json_404(api_client, url):
    response = api_client.get(url)

    assert response.status_code == 404 and response.json()["detail"]


# --- Writing ------------------------------------------------------------------------------


def test_a_publisher_records_the_decision_that_set_a_ruling_aside_and_its_standing_follows(publisher_client, ico_fine):
    # When a publisher records the First-tier Tribunal's decision, published
    response = publisher_client.post("/api/v1/proceedings/", first_tier_decision(ico_fine, status="published"), format="json")

    # Then it is on the record, and the fine stands overturned
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["status"], body["effect"], body["ruling"]) == ("published", "overturned", ico_fine.pk)
    assert body["published_at"] is not None
    assert body["sources"] == [
        {"url": "https://tribunal.example.org/ukftt-2023-819", "title": None, "publisher": None, "published_on": None,
         "kind": None, "archived_url": None, "quote": None}
    ]
    ruling = publisher_client.get(f"/api/v1/rulings/{ico_fine.pk}/").json()
    assert ruling["standing"] == "overturned"
    assert [p["id"] for p in ruling["proceedings"]] == [body["id"]]
    assert ruling["status"] == "published"


def test_a_proceeding_is_a_draft_unless_told_otherwise(editor_client, ico_fine):
    response = editor_client.post("/api/v1/proceedings/", first_tier_decision(ico_fine), format="json")

    assert response.status_code == 201, response.content
    assert (response.json()["status"], response.json()["published_at"]) == ("draft", None)
    # A draft does not move the ruling's standing.
    assert editor_client.get(f"/api/v1/rulings/{ico_fine.pk}/").json()["standing"] == "in_force"


def test_an_editor_may_not_publish_a_proceeding(editor_client, ico_fine):
    # When an editor (no *publish ruling*) posts a published proceeding
    response = editor_client.post("/api/v1/proceedings/", first_tier_decision(ico_fine, status="published"), format="json")

    # Then it is refused for that reason, and nothing is saved
    assert response.status_code == 403
    assert "publish ruling" in response.json()["detail"]
    assert not Proceeding.objects.exists()


def test_an_editor_edits_a_draft_proceeding_but_may_not_publish_it(editor_client):
    draft = ProceedingFactory(status=Proceeding.Status.DRAFT, summary="")
    url = f"/api/v1/proceedings/{draft.pk}/"

    edited = editor_client.patch(url, {"summary": "Appeal lodged by the vendor."}, format="json")
    refused = editor_client.patch(url, {"status": "published"}, format="json")

    assert edited.status_code == 200 and edited.json()["summary"] == "Appeal lodged by the vendor."
    assert refused.status_code == 403 and "publish ruling" in refused.json()["detail"]
    draft.refresh_from_db()
    assert (draft.status, draft.published_at) == (Proceeding.Status.DRAFT, None)


def test_an_editor_may_not_edit_a_published_proceeding(editor_client):
    published = ProceedingFactory(summary="As published.")

    response = editor_client.patch(f"/api/v1/proceedings/{published.pk}/", {"summary": "Rewritten."}, format="json")

    assert response.status_code == 403 and "publish ruling" in response.json()["detail"]
    published.refresh_from_db()
    assert published.summary == "As published."


def test_a_publisher_publishes_a_draft_proceeding_and_it_counts_from_then(publisher_client, api_client, ico_fine):
    draft = ProceedingFactory(ruling=ico_fine, effect=Proceeding.Effect.APPEALED, status=Proceeding.Status.DRAFT)
    assert api_client.get(f"/api/v1/rulings/{ico_fine.pk}/").json()["standing"] == "in_force"

    response = publisher_client.patch(f"/api/v1/proceedings/{draft.pk}/", {"status": "published"}, format="json")

    assert response.status_code == 200
    assert response.json()["published_at"] is not None
    assert api_client.get(f"/api/v1/rulings/{ico_fine.pk}/").json()["standing"] == "under_appeal"


def test_a_varied_fine_is_stored_in_capitals(publisher_client, ico_fine):
    response = publisher_client.post(
        "/api/v1/proceedings/",
        first_tier_decision(ico_fine, effect="varied", fine_amount="1000000.00", fine_currency="gbp"),
        format="json",
    )

    assert response.status_code == 201, response.content
    assert (response.json()["fine_amount"], response.json()["fine_currency"]) == ("1000000.00", "GBP")


def test_a_proceeding_known_to_a_month_is_stored_as_the_first_day_of_it(publisher_client, ico_fine):
    response = publisher_client.post(
        "/api/v1/proceedings/", first_tier_decision(ico_fine, decided_on="2023-10-17", decided_on_precision="month"), format="json"
    )

    assert response.status_code == 201, response.content
    assert (response.json()["decided_on"], response.json()["decided_on_precision"]) == ("2023-10-01", "month")


def test_a_proceeding_in_the_month_of_its_ruling_is_not_before_it(publisher_client, ico_fine):
    # The ruling is of 18 May 2022; "May 2022" may be later in that month.
    response = publisher_client.post(
        "/api/v1/proceedings/", first_tier_decision(ico_fine, decided_on="2022-05-01", decided_on_precision="month"), format="json"
    )

    assert response.status_code == 201, response.content


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        ({"decided_on": "2022-05-17"}, "decided_on", "cannot come before its ruling"),
        ({"decided_on": "2022-04-01", "decided_on_precision": "month"}, "decided_on", "cannot come before its ruling"),
        ({"decided_on": "2999-01-01"}, "decided_on", "cannot lie in the future"),
        ({"ecli": "ECLI:GB:UKFTT"}, "ecli", "European Case Law Identifier"),
        ({"ecli": "ecli:gb:ukftt:2023:819"}, "ecli", "European Case Law Identifier"),
        ({"effect": "quashed"}, "effect", "not a valid choice"),
        ({"effect": "upheld", "fine_amount": "10.00", "fine_currency": "GBP"}, "fine_amount", "Only a proceeding that varied"),
        ({"effect": "varied", "fine_amount": "10.00", "fine_currency": "ZZZ"}, "fine_currency", "not an ISO 4217 currency code"),
        ({"effect": "varied", "fine_amount": "10.00"}, "fine_currency", "needs its currency"),
        ({"effect": "varied", "fine_amount": "-1.00", "fine_currency": "GBP"}, "fine_amount", "greater than or equal to 0"),
        ({"sources": []}, "sources", "At least one source"),
        ({"sources": ["javascript:alert(document.cookie)"]}, "sources", "not an http or https URL"),
        ({"sources": None}, "sources", "may not be null"),
        ({"body": ""}, "body", "may not be blank"),
        ({"ruling": 999999}, "ruling", "No ruling has the id 999999"),
        ({"ruling": "first"}, "ruling", "whole number"),
        ({"status": "withdrawn"}, "status", "not a valid choice"),
    ],
)
def test_a_bad_proceeding_is_a_400_naming_the_field_and_nothing_is_saved(publisher_client, ico_fine, overrides, field, words):
    response = publisher_client.post("/api/v1/proceedings/", first_tier_decision(ico_fine, **overrides), format="json")

    assert response.status_code == 400, response.content
    body = response.json()
    assert field in body, body
    assert words in " ".join(body[field])
    assert not Proceeding.objects.exists()
    assert not Proceeding.history.exists()


def test_a_proceeding_without_sources_is_a_400(publisher_client, ico_fine):
    payload = first_tier_decision(ico_fine)
    del payload["sources"]

    response = publisher_client.post("/api/v1/proceedings/", payload, format="json")

    assert response.status_code == 400 and "sources" in response.json()


def test_a_proceeding_stays_with_its_ruling(publisher_client, ico_fine):
    proceeding = ProceedingFactory(ruling=ico_fine)

    response = publisher_client.patch(f"/api/v1/proceedings/{proceeding.pk}/", {"ruling": RulingFactory().pk}, format="json")

    assert response.status_code == 400 and "stays with the ruling" in " ".join(response.json()["ruling"])
    proceeding.refresh_from_db()
    assert proceeding.ruling_id == ico_fine.pk


def test_moving_a_proceeding_before_its_ruling_is_a_400_and_changes_nothing(publisher_client, ico_fine):
    proceeding = ProceedingFactory(ruling=ico_fine, decided_on=datetime.date(2023, 10, 17))

    response = publisher_client.patch(f"/api/v1/proceedings/{proceeding.pk}/", {"decided_on": "2021-01-01"}, format="json")

    assert response.status_code == 400 and "decided_on" in response.json()
    proceeding.refresh_from_db()
    assert proceeding.decided_on == datetime.date(2023, 10, 17)


def test_a_partner_who_may_not_see_drafts_cannot_add_a_proceeding_to_a_draft_ruling(db):
    # Given a partner allowed to add proceedings but not to change rulings, and a draft ruling
    partner = User.objects.create_user("courts-watch", "cw@example.org", "pw")
    partner.user_permissions.add(*Permission.objects.filter(codename__in=["add_proceeding", "change_proceeding"]))
    draft = RulingFactory(status=Ruling.Status.DRAFT, decided_on=datetime.date(2022, 5, 18))

    # When the partner posts a proceeding on it
    response = client_for(partner).post("/api/v1/proceedings/", first_tier_decision(draft), format="json")

    # Then the draft is unknown to them
    assert response.status_code == 400 and "No ruling has the id" in " ".join(response.json()["ruling"])


def test_a_partner_sees_the_draft_proceeding_it_has_just_written(db, ico_fine):
    partner = User.objects.create_user("courts-watch", "cw@example.org", "pw")
    partner.user_permissions.add(*Permission.objects.filter(codename__in=["add_proceeding"]))

    response = client_for(partner).post("/api/v1/proceedings/", first_tier_decision(ico_fine), format="json")

    assert response.status_code == 201, response.content
    assert response.json()["status"] == "draft"


# --- Who may write --------------------------------------------------------------------------


def test_writing_a_proceeding_without_a_token_is_a_401(api_client, ico_fine):
    response = api_client.post("/api/v1/proceedings/", first_tier_decision(ico_fine), format="json")

    assert response.status_code == 401
    assert not Proceeding.objects.exists()


def test_writing_a_proceeding_without_the_permission_is_a_403(reader_client, partner_client, ico_fine):
    proceeding = ProceedingFactory(ruling=ico_fine)

    for client in (reader_client, partner_client):
        assert client.post("/api/v1/proceedings/", first_tier_decision(ico_fine), format="json").status_code == 403
        assert client.patch(f"/api/v1/proceedings/{proceeding.pk}/", {"summary": "x"}, format="json").status_code == 403
    assert Proceeding.objects.count() == 1


@pytest.mark.parametrize("method", ["put", "delete"])
def test_proceedings_are_neither_replaced_nor_deleted_through_the_api(publisher_client, method):
    proceeding = ProceedingFactory()

    response = getattr(publisher_client, method)(f"/api/v1/proceedings/{proceeding.pk}/", {}, format="json")

    assert response.status_code == 405
    assert Proceeding.objects.filter(pk=proceeding.pk).exists()
