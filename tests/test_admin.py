"""Staff curation in the Django admin, through the test client as editors and publishers."""

import datetime
import json
import re

import pytest
from django.contrib.auth.models import Permission, User
from django.urls import reverse

from agencies.models import Agency, Bloc, Membership
from rulings.models import Proceeding, Regulator, Ruling
from tests.agencies.factories import AgencyFactory, BlocFactory, MembershipFactory, country
from tests.rulings.factories import ProceedingFactory, RegulatorFactory, RulingFactory
from tests.tracker.factories import FlagFactory
from tracker.models import Flag

pytestmark = pytest.mark.django_db


def admin_url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def management_form(prefix: str, total: int = 0, initial: int = 0) -> dict:
    """The hidden counters Django's admin posts with every inline."""
    return {
        f"{prefix}-TOTAL_FORMS": total,
        f"{prefix}-INITIAL_FORMS": initial,
        f"{prefix}-MIN_NUM_FORMS": 0,
        f"{prefix}-MAX_NUM_FORMS": 1000,
    }


def source(url: str, **details) -> dict:
    """A source as stored: every key present."""
    return {"url": url, "title": None, "publisher": None, "published_on": None, "kind": None, "archived_url": None,
            "quote": None, **details}  # fmt: skip


@pytest.fixture
def as_editor(client, editor):
    client.force_login(editor)
    return client


@pytest.fixture
def as_publisher(client, publisher):
    client.force_login(publisher)
    return client


# --- Agencies ---------------------------------------------------------------------------


def agency_form(**overrides) -> dict:
    return {
        "name": "Ottawa Police Service",
        "aliases": "",
        "kind": "police",
        "country": "CA",
        "subdivision": "CA-ON",
        "searches": "12",
        "searches_qualifier": "at_least",
        "first_used": "2019-11-01",
        "last_used": "2020-02-01",
        "authorized": "unknown",
        "paid": "false",
        "notes": "",
        "sources": "https://example.org/article\nhttps://example.org/foi-response",
        "wikidata": "",
        "last_verified_on": "",
        **management_form("flags"),
        **overrides,
    }


def factory_agency_in(code: str) -> Agency:
    return AgencyFactory(country=country(code))


def test_the_agency_list_loads_within_its_query_budget_with_its_columns(as_editor, django_assert_max_num_queries):
    AgencyFactory.create_batch(150, country=country("CA"))
    AgencyFactory.create_batch(50, country=country("SE"), searches=None)
    FlagFactory.create_batch(10, agency=factory_agency_in("SE"))

    with django_assert_max_num_queries(12):
        response = as_editor.get(admin_url(Agency, "changelist"))

    assert response.status_code == 200
    assert response.context["cl"].list_display == [
        "action_checkbox", "name", "country", "subdivision", "kind", "searches", "first_used", "flagged",
    ]
    assert response.context["cl"].result_count == 201


def test_the_flagged_filter_keeps_agencies_with_an_active_unlawful_flag(as_editor):
    flagged = FlagFactory(agency__name="Flagged police").agency
    FlagFactory(agency__name="Only advised police", severity=Flag.Severity.ADVISORY)
    FlagFactory(
        agency__name="Cleared police", active=False, cleared_at=datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC)
    )
    AgencyFactory(name="Never ruled on")

    flagged_page = as_editor.get(admin_url(Agency, "changelist"), {"flagged": "yes"})
    not_flagged_page = as_editor.get(admin_url(Agency, "changelist"), {"flagged": "no"})

    assert list(flagged_page.context["cl"].result_list) == [flagged]
    assert {agency.name for agency in not_flagged_page.context["cl"].result_list} == {
        "Only advised police",
        "Cleared police",
        "Never ruled on",
    }


def test_an_agency_is_added_with_its_sources_one_url_a_line(as_editor, editor):
    response = as_editor.post(admin_url(Agency, "add"), agency_form())

    assert response.status_code == 302
    agency = Agency.objects.get(name="Ottawa Police Service")
    assert agency.sources == [source("https://example.org/article"), source("https://example.org/foi-response")]
    assert agency.history.get().history_user == editor


def test_the_sources_are_clickable_links_on_the_agency_page(as_editor):
    agency = AgencyFactory(sources=[source("https://example.org/article"), source("https://example.org/foi")])

    response = as_editor.get(admin_url(Agency, "change", agency.pk))

    assert b'<a href="https://example.org/article" target="_blank" rel="noopener noreferrer">' in response.content
    assert b'<a href="https://example.org/foi"' in response.content
    assert "https://example.org/article\nhttps://example.org/foi" in response.context["adminform"].form["sources"].value()


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"subdivision": "US-CA"}, "subdivision", "subdivision of US, not of CA"),
        ({"subdivision": "CA-XX"}, "subdivision", "not an ISO 3166-2 subdivision"),
        ({"first_used": "2019-02-30"}, "first_used", "Enter a valid date"),
        ({"searches": "-3"}, "searches", "greater than or equal to 0"),
        ({"last_used": "2019-01-01"}, "last_used", "cannot come before the first use"),
        ({"country": "", "subdivision": ""}, "country", "A country is required"),
        ({"kind": "international", "subdivision": ""}, "country", "international organisation answers to no national regulator"),
        ({"country": "QQ", "subdivision": ""}, "country", "Select a valid choice"),
        ({"sources": "https://example.org/ok\nnot a link\nftp://example.org/x"}, "sources",
         "Source 2: “not a link” is not an http or https URL"),
        ({"sources": "javascript:alert(document.cookie)"}, "sources",
         "Source 1: “javascript:alert(document.cookie)” is not an http or https URL"),
        ({"sources": '[{"url": "https://example.org/a", "kind": "tertiary"}]'}, "sources",
         "Source 1: “kind” must be “primary”, “secondary” or null"),
        ({"sources": '[{"url": "https://example.org/a", "author": "X"}]'}, "sources", "Source 1: unknown field(s) author"),
        ({"sources": '[{"url": "https://example.org/a", "published_on": "2021-13-01"}]'}, "sources",
         "“published_on” must be a date written YYYY-MM-DD"),
        ({"sources": '[{"url": "https://example.org/a",]'}, "sources", "The sources are not valid JSON (line 1, column"),
        ({"sources": "[" * 100_000}, "sources", "nested too deeply"),
        ({"sources": '{"url": "https://example.org/a", "quote": "%s"}' % ("x" * 1001)}, "sources",
         "“quote” is longer than 1000 characters"),
        ({"aliases": "RCMP\nGRC\nrcmp"}, "aliases", "An alias is listed twice"),
        ({"wikidata": "Q0123"}, "wikidata", "Use a Wikidata item id"),
        ({"searches_qualifier": "roughly"}, "searches_qualifier", "Select a valid choice"),
        ({"last_verified_on": "yesterday"}, "last_verified_on", "Enter a valid date"),
        ({"name": ""}, "name", "This field is required"),
    ],
)  # fmt: skip
def test_bad_agency_input_is_a_form_error_and_saves_nothing(as_editor, overrides, field, message):
    before = Agency.objects.count()

    response = as_editor.post(admin_url(Agency, "add"), agency_form(**overrides))

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert message in " ".join(errors[field])
    assert Agency.objects.count() == before


def test_each_bad_source_gets_its_own_error(as_editor):
    response = as_editor.post(admin_url(Agency, "add"), agency_form(sources="not a link\nhttps://example.org\nftp://x.org/f"))

    assert response.context["adminform"].form.errors["sources"] == [
        "Source 1: “not a link” is not an http or https URL.",
        "Source 3: “ftp://x.org/f” is not an http or https URL.",
    ]


def test_the_history_page_shows_who_changed_what(as_editor):
    agency = AgencyFactory(name="Ottawa Police Service", searches=5, subdivision="CA-ON", sources=[])
    as_editor.post(admin_url(Agency, "change", agency.pk), agency_form(searches="40"))

    response = as_editor.get(admin_url(Agency, "history", agency.pk))

    content = response.content.decode()
    assert response.status_code == 200
    assert re.search(r">editor</a>", content)
    assert re.search(r"<strong>Searches:</strong>\s*5\s*&nbsp;&rarr;&nbsp;&nbsp;40", content)


def test_old_versions_are_shown_but_never_restored(as_editor):
    agency = AgencyFactory(searches=5)
    agency.searches = 40
    agency.save()
    first_version = agency.history.earliest()
    url = reverse("admin:agencies_agency_simple_history", args=[agency.pk, first_version.history_id])

    assert as_editor.get(url).status_code == 200
    assert as_editor.post(url, agency_form(searches="5")).status_code == 403
    agency.refresh_from_db()
    assert agency.searches == 40


def test_the_agency_page_shows_its_flags_read_only_with_their_explanations(as_editor):
    flag = FlagFactory(explanation="The regulator found all use in Canada unlawful on 2021-02-02.")

    response = as_editor.get(admin_url(Agency, "change", flag.agency_id))

    content = response.content.decode()
    assert "The regulator found all use in Canada unlawful on 2021-02-02." in content
    assert admin_url(Ruling, "change", flag.ruling_id) in content
    assert 'name="flags-0-severity"' not in content
    assert 'name="flags-0-DELETE"' not in content


# --- Countries and blocs ----------------------------------------------------------------


def test_countries_are_listed_and_searched_but_never_added(as_editor, django_assert_max_num_queries):
    with django_assert_max_num_queries(10):
        response = as_editor.get(admin_url(Agency.country.field.related_model, "changelist"), {"q": "swed"})

    assert [c.code for c in response.context["cl"].result_list] == ["SE"]
    assert as_editor.get(reverse("admin:agencies_country_add")).status_code == 403


def test_a_countrys_notes_are_edited_and_its_code_is_not(as_editor):
    url = reverse("admin:agencies_country_change", args=["BR"])

    page = as_editor.get(url)
    as_editor.post(url, {"code": "XX", "name": "Brazil", "notes": "Nine agencies are only counted."})

    assert "code" not in page.context["adminform"].form.fields
    brazil = country("BR")
    assert brazil.notes == "Nine agencies are only counted."
    assert not type(brazil).objects.filter(code="XX").exists()


def bloc_form(**overrides) -> dict:
    return {"code": "MERCOSUR", "name": "Mercosur", **management_form("memberships"), **overrides}


def test_a_bloc_is_added_with_its_memberships_inline(as_editor):
    response = as_editor.post(
        admin_url(Bloc, "add"),
        bloc_form(
            **management_form("memberships", total=2),
            **{"memberships-0-country": "AR", "memberships-0-joined": "1991-03-26"},
            **{"memberships-1-country": "BR", "memberships-1-joined": "1991-03-26"},
        ),
    )

    assert response.status_code == 302
    assert set(Membership.objects.filter(bloc_id="MERCOSUR").values_list("country_id", flat=True)) == {"AR", "BR"}


def test_a_bloc_code_that_is_a_country_code_is_a_form_error(as_editor):
    response = as_editor.post(admin_url(Bloc, "add"), bloc_form(code="BR", name="Brazil bloc"))

    assert "assigned ISO 3166-1 country code" in response.context["adminform"].form.errors["code"][0]
    assert not Bloc.objects.filter(code="BR").exists()


def test_overlapping_memberships_in_one_submission_are_a_form_error(as_editor):
    before = Membership.objects.count()

    response = as_editor.post(
        admin_url(Bloc, "add"),
        bloc_form(
            **management_form("memberships", total=2),
            **{"memberships-0-country": "AR", "memberships-0-joined": "1991-03-26"},
            **{"memberships-1-country": "AR", "memberships-1-joined": "2000-01-01", "memberships-1-left": "2001-01-01"},
        ),
    )

    assert response.status_code == 200
    assert "overlap" in str(response.context["inline_admin_formsets"][0].formset.non_form_errors())
    assert Membership.objects.count() == before
    assert not Bloc.objects.filter(code="MERCOSUR").exists()


def test_the_eu_page_lists_its_memberships_within_its_query_budget(as_editor, django_assert_max_num_queries):
    with django_assert_max_num_queries(60):
        response = as_editor.get(admin_url(Bloc, "change", "EU"))

    assert response.status_code == 200
    assert len(response.context["inline_admin_formsets"][0].formset.initial_forms) == 28


def test_a_membership_change_is_kept_in_its_history(as_editor, editor):
    membership = MembershipFactory(joined=datetime.date(2000, 1, 1))
    as_editor.post(
        admin_url(Bloc, "change", membership.bloc_id),
        bloc_form(
            code=membership.bloc_id,
            name=membership.bloc.name,
            **management_form("memberships", total=1, initial=1),
            **{
                "memberships-0-id": membership.pk,
                "memberships-0-bloc": membership.bloc_id,
                "memberships-0-country": "FR",
                "memberships-0-joined": "2000-01-01",
                "memberships-0-left": "2010-12-31",
            },
        ),
    )

    response = as_editor.get(admin_url(Membership, "history", membership.pk))

    assert membership.history.latest().history_user == editor
    assert "2010" in response.content.decode()


# --- Regulators -------------------------------------------------------------------------


def regulator_form(**overrides) -> dict:
    return {
        "name": "Office of the Privacy Commissioner",
        "short_name": "OPC",
        "aliases": "",
        "jurisdiction": "CA",
        "website": "",
        "wikidata": "",
        **overrides,
    }


@pytest.mark.parametrize(
    ("jurisdiction", "message"),
    [
        ("ZZ", "neither an ISO 3166-1 country"),
        ("DE-XX", "not an ISO 3166-2 subdivision"),
        ("de-hh", "capitals"),
        ("TOOLONGCODE", "at most 10 characters"),
    ],
)
def test_a_bad_jurisdiction_code_is_a_form_error(as_editor, jurisdiction, message):
    response = as_editor.post(admin_url(Regulator, "add"), regulator_form(jurisdiction=jurisdiction))

    assert message in response.context["adminform"].form.errors["jurisdiction"][0]
    assert not Regulator.objects.exists()


def test_regulators_are_filtered_by_level(as_editor):
    RegulatorFactory(name="Federal", jurisdiction="CA")
    RegulatorFactory(name="Hamburg", jurisdiction="DE-HH")
    RegulatorFactory(name="European", jurisdiction="EU")

    names = lambda level: {r.name for r in as_editor.get(admin_url(Regulator, "changelist"), {"level": level}).context["cl"].result_list}  # noqa: E731

    assert names("national") == {"Federal"}
    assert names("subnational") == {"Hamburg"}
    assert names("supranational") == {"European"}


def test_the_regulator_bloc_and_membership_lists_load_within_their_query_budget(as_editor, django_assert_max_num_queries):
    for regulator in RegulatorFactory.create_batch(60):
        RulingFactory.create_batch(2, regulator=regulator)
    for bloc in BlocFactory.create_batch(20):
        MembershipFactory(bloc=bloc, country=country("AR"))

    for model, rows in [(Regulator, 60), (Bloc, 21), (Membership, 48)]:
        with django_assert_max_num_queries(12):
            response = as_editor.get(admin_url(model, "changelist"))
        assert response.context["cl"].result_count == rows


def test_moving_a_regulator_away_from_the_agencies_its_rulings_list_is_a_form_error(as_publisher):
    ruling = RulingFactory(scope=Ruling.Scope.AGENCIES, agencies=[AgencyFactory(country=country("CA"))])

    response = as_publisher.post(admin_url(Regulator, "change", ruling.regulator_id), regulator_form(jurisdiction="FR"))

    assert "would list agencies outside it" in response.context["adminform"].form.errors["jurisdiction"][0]
    assert Regulator.objects.get(pk=ruling.regulator_id).jurisdiction == "CA"


def test_a_regulator_with_rulings_is_protected_from_deletion(as_editor):
    ruling = RulingFactory()

    page = as_editor.get(admin_url(Regulator, "delete", ruling.regulator_id))
    as_editor.post(admin_url(Regulator, "delete", ruling.regulator_id), {"post": "yes"})

    assert page.status_code == 200
    assert page.context["protected"]
    assert Regulator.objects.filter(pk=ruling.regulator_id).exists()


# --- Rulings ----------------------------------------------------------------------------


def ruling_form(regulator, **overrides) -> dict:
    return {
        "regulator": regulator.pk,
        "title": "Finding on the police's use of the search tool",
        "decided_on": "2021-02-02",
        "decided_on_precision": "day",
        "announced_on": "",
        "outcome": "unlawful",
        "concerns": "use",
        "scope": "jurisdiction",
        "case_reference": "",
        "ecli": "",
        "fine_amount": "",
        "fine_currency": "",
        "fine_notes": "",
        "summary": "",
        "sources": "https://regulator.example.org/finding",
        "last_verified_on": "",
        **management_form("flags"),
        **overrides,
    }


def test_the_ruling_list_loads_within_its_query_budget(as_publisher, django_assert_max_num_queries):
    regulators = RegulatorFactory.create_batch(5)
    for index in range(200):
        RulingFactory(regulator=regulators[index % 5], decided_on=datetime.date(2015 + index % 8, 1 + index % 12, 1))

    with django_assert_max_num_queries(14):
        response = as_publisher.get(admin_url(Ruling, "changelist"))

    assert response.status_code == 200
    assert response.context["cl"].result_count == 200
    assert response.context["cl"].date_hierarchy == "decided_on"


def test_an_editor_drafts_a_ruling_whatever_status_is_posted(as_editor, editor):
    regulator = RegulatorFactory()

    page = as_editor.get(admin_url(Ruling, "add"))
    response = as_editor.post(admin_url(Ruling, "add"), ruling_form(regulator, status="published"))

    assert "status" not in page.context["adminform"].form.fields
    assert response.status_code == 302
    ruling = Ruling.objects.get()
    assert (ruling.status, ruling.published_at) == (Ruling.Status.DRAFT, None)
    assert ruling.history.get().history_user == editor


def test_a_publisher_may_record_a_ruling_in_any_status(as_publisher):
    regulator = RegulatorFactory()

    response = as_publisher.post(admin_url(Ruling, "add"), ruling_form(regulator, status="published"))

    assert response.status_code == 302
    assert Ruling.objects.get().published_at is not None


def test_a_ruling_about_agencies_is_saved_with_them(as_editor):
    toronto = AgencyFactory(name="Toronto Police Service", country=country("CA"), subdivision="CA-ON")
    regulator = RegulatorFactory(jurisdiction="CA-ON")

    response = as_editor.post(admin_url(Ruling, "add"), ruling_form(regulator, scope="agencies", agencies=[toronto.pk]))

    assert response.status_code == 302
    assert list(Ruling.objects.get().agencies.all()) == [toronto]


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"scope": "agencies"}, "agencies", "needs at least one agency"),
        ({"decided_on": "2021-02-30"}, "decided_on", "Enter a valid date"),
        ({"fine_amount": "1000", "fine_currency": "ZZZ"}, "fine_currency", "not an ISO 4217 currency"),
        ({"fine_amount": "1000"}, "fine_currency", "A fine needs its currency"),
        ({"fine_currency": "EUR"}, "fine_amount", "A currency was given without an amount"),
        ({"fine_amount": "-5", "fine_currency": "EUR"}, "fine_amount", "cannot be negative"),
        ({"outcome": "illegal"}, "outcome", "Select a valid choice"),
        ({"concerns": "vendor", "scope": "agencies"}, "scope",
         "A finding about the vendor's own practices covers its whole jurisdiction"),
        ({"decided_on_precision": "week"}, "decided_on_precision", "Select a valid choice"),
        ({"decided_on": "2999-01-01"}, "decided_on", "cannot lie in the future"),
        ({"announced_on": "2021-01-01"}, "announced_on", "cannot be made public before it was decided"),
        ({"ecli": "ECLI:se:imy:2021:1"}, "ecli", "European Case Law Identifier format"),
        ({"ecli": "SAN-2022-019"}, "ecli", "European Case Law Identifier format"),
        ({"sources": ""}, "sources", "At least one source is required"),
        ({"sources": "not a url"}, "sources", "Source 1: “not a url” is not an http or https URL"),
        ({"sources": "https://ok.example.org\njavascript:alert(1)"}, "sources",
         "Source 2: “javascript:alert(1)” is not an http or https URL"),
        ({"title": ""}, "title", "This field is required"),
    ],
)  # fmt: skip
def test_bad_ruling_input_is_a_form_error_and_saves_nothing(as_publisher, overrides, field, message):
    regulator = RegulatorFactory()

    response = as_publisher.post(admin_url(Ruling, "add"), ruling_form(regulator, **overrides))

    assert response.status_code == 200
    assert message in " ".join(response.context["adminform"].form.errors[field])
    assert not Ruling.objects.exists()


def test_agencies_outside_the_regulators_jurisdiction_are_a_form_error(as_editor):
    quebec = AgencyFactory(name="Sûreté du Québec", country=country("CA"), subdivision="CA-QC")
    regulator = RegulatorFactory(jurisdiction="CA-ON")

    response = as_editor.post(admin_url(Ruling, "add"), ruling_form(regulator, scope="agencies", agencies=[quebec.pk]))

    assert "Sûreté du Québec" in response.context["adminform"].form.errors["agencies"][0]
    assert not Ruling.objects.exists()


def test_a_jurisdiction_wide_ruling_listing_agencies_is_a_form_error(as_editor):
    agency = AgencyFactory(country=country("CA"))

    response = as_editor.post(admin_url(Ruling, "add"), ruling_form(RegulatorFactory(), agencies=[agency.pk]))

    assert "lists no agencies" in response.context["adminform"].form.errors["agencies"][0]
    assert not Ruling.objects.exists()


def test_a_bad_edit_of_a_draft_changes_nothing(as_editor):
    toronto = AgencyFactory(country=country("CA"), subdivision="CA-ON")
    ruling = RulingFactory(status=Ruling.Status.DRAFT, scope=Ruling.Scope.AGENCIES, agencies=[toronto], title="Before")
    elsewhere = RegulatorFactory(jurisdiction="FR")

    response = as_editor.post(
        admin_url(Ruling, "change", ruling.pk),
        ruling_form(elsewhere, title="After", scope="agencies", agencies=[toronto.pk]),
    )

    assert response.status_code == 200
    ruling.refresh_from_db()
    assert (ruling.title, ruling.regulator.jurisdiction) == ("Before", "CA")


def test_the_status_is_read_only_on_every_ruling_page(as_publisher):
    ruling = RulingFactory(status=Ruling.Status.DRAFT)

    page = as_publisher.get(admin_url(Ruling, "change", ruling.pk))
    as_publisher.post(admin_url(Ruling, "change", ruling.pk), ruling_form(ruling.regulator, status="published"))

    assert "status" not in page.context["adminform"].form.fields
    assert Ruling.objects.get(pk=ruling.pk).status == Ruling.Status.DRAFT


def test_an_editor_edits_drafts_and_only_views_published_rulings(as_editor):
    draft = RulingFactory(status=Ruling.Status.DRAFT, title="Draft")
    published = RulingFactory(status=Ruling.Status.PUBLISHED, title="Published")

    draft_edit = as_editor.post(admin_url(Ruling, "change", draft.pk), ruling_form(draft.regulator, title="Draft, corrected"))
    published_page = as_editor.get(admin_url(Ruling, "change", published.pk))
    published_edit = as_editor.post(admin_url(Ruling, "change", published.pk), ruling_form(published.regulator, title="Changed"))

    assert draft_edit.status_code == 302
    assert Ruling.objects.get(pk=draft.pk).title == "Draft, corrected"
    assert published_page.status_code == 200
    assert published_page.context["has_change_permission"] is False
    assert published_edit.status_code == 403
    assert Ruling.objects.get(pk=published.pk).title == "Published"


def test_an_editor_is_offered_no_status_action_and_cannot_run_one(as_editor):
    draft = RulingFactory(status=Ruling.Status.DRAFT)

    page = as_editor.get(admin_url(Ruling, "changelist"))
    as_editor.post(admin_url(Ruling, "changelist"), {"action": "publish", "_selected_action": [draft.pk]})

    assert b'value="publish"' not in page.content
    assert Ruling.objects.get(pk=draft.pk).status == Ruling.Status.DRAFT


def test_a_publisher_publishes_through_the_action(as_publisher, publisher):
    drafts = RulingFactory.create_batch(2, status=Ruling.Status.DRAFT)

    page = as_publisher.get(admin_url(Ruling, "changelist"))
    response = as_publisher.post(
        admin_url(Ruling, "changelist"), {"action": "publish", "_selected_action": [r.pk for r in drafts]}, follow=True
    )

    actions = [choice[0] for choice in page.context["action_form"].fields["action"].choices]
    assert {"publish", "unpublish", "mark_withdrawn"} <= set(actions)
    assert "mark_overturned" not in actions  # a ruling is overturned by a proceeding, not by its status
    assert "2 rulings published" in response.content.decode()
    for ruling in Ruling.objects.filter(pk__in=[r.pk for r in drafts]):
        assert ruling.status == Ruling.Status.PUBLISHED
        assert ruling.published_at is not None
        assert ruling.history.latest().history_user == publisher


@pytest.mark.parametrize(
    ("action", "before", "after"),
    [
        ("unpublish", Ruling.Status.PUBLISHED, Ruling.Status.DRAFT),
        ("mark_withdrawn", Ruling.Status.PUBLISHED, Ruling.Status.WITHDRAWN),
        ("publish", Ruling.Status.WITHDRAWN, Ruling.Status.PUBLISHED),
    ],
)
def test_every_status_action_changes_the_status(as_publisher, action, before, after):
    ruling = RulingFactory(status=before)

    as_publisher.post(admin_url(Ruling, "changelist"), {"action": action, "_selected_action": [ruling.pk]})

    assert Ruling.objects.get(pk=ruling.pk).status == after


def test_a_forbidden_transition_is_reported_for_that_ruling_alone(as_publisher):
    draft = RulingFactory(status=Ruling.Status.DRAFT, title="A draft")
    published = RulingFactory(status=Ruling.Status.PUBLISHED, title="In force")

    response = as_publisher.post(
        admin_url(Ruling, "changelist"),
        {"action": "mark_withdrawn", "_selected_action": [draft.pk, published.pk]},
        follow=True,
    )

    content = response.content.decode()
    assert response.status_code == 200
    assert "“A draft” was not changed: A draft was never in force" in content
    assert "1 ruling marked withdrawn: “In force”" in content
    assert Ruling.objects.get(pk=draft.pk).status == Ruling.Status.DRAFT
    assert Ruling.objects.get(pk=published.pk).status == Ruling.Status.WITHDRAWN


def test_the_ruling_history_shows_the_status_change_and_who_made_it(as_publisher):
    ruling = RulingFactory(status=Ruling.Status.DRAFT)
    as_publisher.post(admin_url(Ruling, "changelist"), {"action": "publish", "_selected_action": [ruling.pk]})

    response = as_publisher.get(admin_url(Ruling, "history", ruling.pk))

    content = response.content.decode()
    assert re.search(r">publisher</a>", content)
    assert re.search(r"<strong>Status:</strong>\s*draft\s*&nbsp;&rarr;&nbsp;&nbsp;published", content)


def test_the_ruling_page_shows_its_flags_read_only(as_editor, django_assert_max_num_queries):
    ruling = RulingFactory()
    FlagFactory.create_batch(120, ruling=ruling)

    with django_assert_max_num_queries(40):
        response = as_editor.get(admin_url(Ruling, "change", ruling.pk))

    formset = response.context["inline_admin_formsets"][0].formset
    assert formset.model is Flag
    assert len(formset.initial_forms) == 100
    assert b'name="flags-0-severity"' not in response.content


def test_a_ruling_with_flags_is_protected_from_deletion(as_publisher):
    flag = FlagFactory()

    as_publisher.post(admin_url(Ruling, "delete", flag.ruling_id), {"post": "yes"})

    assert Ruling.objects.filter(pk=flag.ruling_id).exists()


# --- Flags ------------------------------------------------------------------------------


def test_the_flag_list_loads_within_its_query_budget(as_editor, django_assert_max_num_queries):
    FlagFactory.create_batch(150)

    with django_assert_max_num_queries(12):
        response = as_editor.get(admin_url(Flag, "changelist"), {"severity__exact": "unlawful", "active__exact": "1"})

    assert response.context["cl"].result_count == 150


@pytest.mark.parametrize("user_fixture", ["editor", "publisher", "superuser"])
def test_nobody_adds_changes_or_deletes_a_flag(client, request, user_fixture):
    user = (
        User.objects.create_superuser("root", "root@example.org", "pw")
        if user_fixture == "superuser"
        else request.getfixturevalue(user_fixture)
    )
    client.force_login(user)
    flag = FlagFactory(explanation="Original explanation.")

    add = client.get(admin_url(Flag, "add"))
    change = client.post(admin_url(Flag, "change", flag.pk), {"explanation": "Edited.", "active": ""})
    delete = client.post(admin_url(Flag, "delete", flag.pk), {"post": "yes"})
    view = client.get(admin_url(Flag, "change", flag.pk))

    assert add.status_code == 403
    assert change.status_code == 403
    assert delete.status_code == 403
    assert view.status_code == 200
    assert Flag.objects.get(pk=flag.pk).explanation == "Original explanation."


def test_a_ruling_edit_is_kept_in_its_history_with_its_agencies(as_editor):
    toronto = AgencyFactory(name="Toronto Police Service", country=country("CA"), subdivision="CA-ON")
    ruling = RulingFactory(status=Ruling.Status.DRAFT, title="First title")

    as_editor.post(
        admin_url(Ruling, "change", ruling.pk),
        ruling_form(ruling.regulator, title="Second title", scope="agencies", agencies=[toronto.pk]),
    )
    content = as_editor.get(admin_url(Ruling, "history", ruling.pk)).content.decode()

    assert re.search(r"<strong>Title:</strong>\s*First title\s*&nbsp;&rarr;&nbsp;&nbsp;Second title", content)
    assert "<strong>Agencies:</strong>" in content
    assert list(Ruling.objects.get(pk=ruling.pk).agencies.all()) == [toronto]


# --- Record v2: names, evidence, precision ----------------------------------------------


def test_an_agency_is_added_with_its_aliases_qualifier_wikidata_and_verification_date(as_editor):
    response = as_editor.post(
        admin_url(Agency, "add"),
        agency_form(
            aliases="OPS\nService de police d'Ottawa",
            searches_qualifier="about",
            wikidata="Q7108672",
            last_verified_on="2025-11-03",
        ),
    )

    assert response.status_code == 302
    agency = Agency.objects.get(name="Ottawa Police Service")
    assert agency.aliases == ["OPS", "Service de police d'Ottawa"]
    assert (agency.searches_qualifier, agency.wikidata) == ("about", "Q7108672")
    assert agency.last_verified_on == datetime.date(2025, 11, 3)


def test_agencies_are_found_by_their_aliases(as_editor):
    AgencyFactory(name="Royal Canadian Mounted Police", aliases=["RCMP", "GRC"])
    AgencyFactory(name="Toronto Police Service")

    response = as_editor.get(admin_url(Agency, "changelist"), {"q": "rcmp"})

    assert [agency.name for agency in response.context["cl"].result_list] == ["Royal Canadian Mounted Police"]


def test_sources_given_as_json_objects_are_stored_with_every_detail(as_editor):
    given = [
        {"url": "https://example.org/report", "title": "Report", "publisher": "The Agency", "published_on": "2021-02-03",
         "kind": "primary", "archived_url": "https://web.archive.org/web/2021/https://example.org/report",
         "quote": "Staff ran 3,400 searches."},
        {"url": "https://news.example.org/story", "kind": "secondary"},
    ]  # fmt: skip

    response = as_editor.post(admin_url(Agency, "add"), agency_form(sources=json.dumps(given)))
    agency = Agency.objects.get(name="Ottawa Police Service")
    page = as_editor.get(admin_url(Agency, "change", agency.pk))

    assert response.status_code == 302
    assert agency.sources == [source(**given[0]), source(**given[1])]
    # The details are shown again as JSON to edit, and as links to follow.
    assert json.loads(page.context["adminform"].form["sources"].value()) == agency.sources
    content = page.content.decode()
    assert '<a href="https://example.org/report" target="_blank" rel="noopener noreferrer">Report</a>' in content
    assert "The Agency, 2021-02-03, primary source" in content
    assert '<a href="https://web.archive.org/web/2021/https://example.org/report"' in content
    assert "<blockquote>Staff ran 3,400 searches.</blockquote>" in content


def test_an_agency_is_edited_through_the_service_and_kept_in_its_history(as_editor, editor):
    agency = AgencyFactory(name="Ottawa Police Service", subdivision="CA-ON", searches=5)

    response = as_editor.post(admin_url(Agency, "change", agency.pk), agency_form(aliases="OPS", searches="40"))

    assert response.status_code == 302
    agency.refresh_from_db()
    assert (agency.aliases, agency.searches) == (["OPS"], 40)
    assert agency.history.latest().history_user == editor


def test_a_regulator_is_added_with_its_aliases_and_wikidata_and_found_by_an_alias(as_editor):
    response = as_editor.post(
        admin_url(Regulator, "add"),
        regulator_form(name="Swedish Authority for Privacy Protection", short_name="IMY", jurisdiction="SE",
                       aliases="Integritetsskyddsmyndigheten\nDatainspektionen", wikidata="Q10494935"),  # fmt: skip
    )
    found = as_editor.get(admin_url(Regulator, "changelist"), {"q": "datainspektionen"})

    assert response.status_code == 302
    regulator = Regulator.objects.get()
    assert regulator.aliases == ["Integritetsskyddsmyndigheten", "Datainspektionen"]
    assert regulator.wikidata == "Q10494935"
    assert list(found.context["cl"].result_list) == [regulator]


def test_a_bad_regulator_wikidata_id_is_a_form_error(as_editor):
    response = as_editor.post(admin_url(Regulator, "add"), regulator_form(wikidata="wd:Q42"))

    assert "Use a Wikidata item id" in response.context["adminform"].form.errors["wikidata"][0]
    assert not Regulator.objects.exists()


def test_an_editor_cannot_move_a_regulator_with_published_rulings(as_editor):
    ruling = RulingFactory(regulator__jurisdiction="CA", status=Ruling.Status.PUBLISHED)
    url = admin_url(Regulator, "change", ruling.regulator_id)

    response = as_editor.post(url, regulator_form(name=ruling.regulator.name, jurisdiction="FR"))

    assert response.status_code == 200
    errors = str(response.context["adminform"].form.non_field_errors())
    assert "changing its jurisdiction needs the “publish ruling” permission" in errors
    assert Regulator.objects.get(pk=ruling.regulator_id).jurisdiction == "CA"


def test_a_ruling_is_recorded_with_every_field_of_the_record(as_editor):
    regulator = RegulatorFactory(jurisdiction="GB")

    response = as_editor.post(
        admin_url(Ruling, "add"),
        ruling_form(
            regulator,
            title="Monetary penalty notice to the vendor",
            decided_on="2022-05-18",
            decided_on_precision="month",
            announced_on="2022-05-23",
            concerns="vendor",
            case_reference="COM0766658",
            ecli="ECLI:GB:ICO:2022:COM0766658",
            fine_amount="7552800",
            fine_currency="gbp",
            fine_notes="An enforcement notice also ordered the deletion of UK residents' data.",
            sources="https://ico.org.uk/penalty-notice\nhttps://news.example.org/fine",
            last_verified_on="2025-11-01",
        ),
    )

    assert response.status_code == 302
    ruling = Ruling.objects.get()
    assert (ruling.decided_on, ruling.decided_on_precision) == (datetime.date(2022, 5, 1), "month")
    assert ruling.announced_on == datetime.date(2022, 5, 23)
    assert (ruling.concerns, ruling.case_reference, ruling.ecli) == ("vendor", "COM0766658", "ECLI:GB:ICO:2022:COM0766658")
    assert (str(ruling.fine_amount), ruling.fine_currency) == ("7552800.00", "GBP")
    assert ruling.fine_notes.startswith("An enforcement notice")
    assert ruling.sources == [source("https://ico.org.uk/penalty-notice"), source("https://news.example.org/fine")]
    assert ruling.last_verified_on == datetime.date(2025, 11, 1)


def test_the_ruling_form_has_no_source_url_and_shows_the_first_source_read_only(as_publisher):
    url = "https://regulator.example.org/decision"
    ruling = RulingFactory(status=Ruling.Status.DRAFT, sources=[source(url, title="Decision")])

    add = as_publisher.get(admin_url(Ruling, "add"))
    change = as_publisher.get(admin_url(Ruling, "change", ruling.pk))

    for page in (add, change):
        assert "source_url" not in page.context["adminform"].form.fields
        assert "sources" in page.context["adminform"].form.fields
    content = change.content.decode()
    assert f'<a href="{url}" target="_blank" rel="noopener noreferrer">{url}</a>' in content  # the first source
    assert f'<a href="{url}" target="_blank" rel="noopener noreferrer">Decision</a>' in content  # every source


def test_the_ruling_list_shows_each_rulings_standing_today(as_editor):
    ruling = RulingFactory(title="Appealed finding")
    ProceedingFactory(ruling=ruling, effect=Proceeding.Effect.APPEALED)
    RulingFactory(title="Unchallenged finding")

    response = as_editor.get(admin_url(Ruling, "changelist"))
    unchallenged_page = as_editor.get(admin_url(Ruling, "change", Ruling.objects.get(title="Unchallenged finding").pk))

    assert "in force since its decision of 2 February 2021" in unchallenged_page.content.decode()
    content = response.content.decode()
    assert re.search(r"Appealed finding</a></th>.*?under appeal</td>", content, re.S)
    assert re.search(r"Unchallenged finding</a></th>.*?in force</td>", content, re.S)


def test_the_ruling_page_lists_its_proceedings_in_order_with_links_and_its_standing(as_editor):
    ruling = RulingFactory(decided_on=datetime.date(2022, 5, 18))
    # Recorded out of order; two on one day keep the order they were recorded in.
    remitted = ProceedingFactory(ruling=ruling, body="Upper Tribunal", decided_on=datetime.date(2025, 10, 6), effect="remitted")
    overturned = ProceedingFactory(ruling=ruling, body="First-tier Tribunal", decided_on=datetime.date(2023, 10, 17),
                                   effect="overturned", case_reference="[2023] UKFTT 819 (GRC)")  # fmt: skip
    appealed = ProceedingFactory(ruling=ruling, body="First-tier Tribunal", decided_on=datetime.date(2022, 6, 1),
                                 decided_on_precision="month", effect="appealed")  # fmt: skip
    same_day = ProceedingFactory(ruling=ruling, body="Upper Tribunal", decided_on=datetime.date(2025, 10, 6),
                                 effect="appealed", status=Proceeding.Status.DRAFT)  # fmt: skip

    response = as_editor.get(admin_url(Ruling, "change", ruling.pk))

    content = response.content.decode()
    links = re.findall(r'<li><a href="([^"]+)">([^<]+)</a>', content.split('class="proceedings"')[1].split("</ol>")[0])
    assert links == [
        (admin_url(Proceeding, "change", appealed.pk), "June 2022: First-tier Tribunal, appealed"),
        (admin_url(Proceeding, "change", overturned.pk), "17 October 2023: First-tier Tribunal, overturned"),
        (admin_url(Proceeding, "change", remitted.pk), "6 October 2025: Upper Tribunal, remitted"),
        (admin_url(Proceeding, "change", same_day.pk), "6 October 2025: Upper Tribunal, appealed"),
    ]
    assert "— [2023] UKFTT 819 (GRC) (published)" in content
    assert "Upper Tribunal, appealed</a> (draft)" in content
    add_link = admin_url(Proceeding, "add") + f"?ruling={ruling.pk}"
    assert f'href="{add_link}"' in content
    # Remitted: the ruling stands again, under appeal (drafts do not count).
    remitted_link = admin_url(Proceeding, "change", remitted.pk)
    assert f'under appeal since 6 October 2025: <a href="{remitted_link}">Upper Tribunal</a>, remitted' in content


def test_the_add_proceeding_link_pre_fills_the_ruling(as_editor):
    ruling = RulingFactory(title="The ruling appealed")

    page = as_editor.get(admin_url(Proceeding, "add"), {"ruling": ruling.pk})

    form = page.context["adminform"].form
    assert str(form["ruling"].value()) == str(ruling.pk)
    assert "The ruling appealed" in page.content.decode()
    assert "status" not in form.fields


# --- Proceedings ------------------------------------------------------------------------


def proceeding_form(ruling, /, **overrides) -> dict:
    return {
        "ruling": ruling.pk,
        "body": "First-tier Tribunal (General Regulatory Chamber)",
        "decided_on": "2023-10-17",
        "decided_on_precision": "day",
        "effect": "overturned",
        "case_reference": "[2023] UKFTT 819 (GRC)",
        "ecli": "",
        "fine_amount": "",
        "fine_currency": "",
        "summary": "The tribunal found the regulator had no jurisdiction.",
        "sources": "https://www.bailii.org/uk/cases/UKFTT/GRC/2023/819.html",
        **overrides,
    }


def proceeding_change_form(proceeding, **overrides) -> dict:
    data = proceeding_form(proceeding.ruling, **overrides)
    del data["ruling"]  # a proceeding stays with its ruling
    return data


def test_an_editor_drafts_a_proceeding_with_its_sources_as_urls(as_editor, editor):
    ruling = RulingFactory(decided_on=datetime.date(2022, 5, 18))

    response = as_editor.post(admin_url(Proceeding, "add"), proceeding_form(ruling, status="published"))

    assert response.status_code == 302
    proceeding = Proceeding.objects.get()
    assert (proceeding.ruling, proceeding.status, proceeding.published_at) == (ruling, Proceeding.Status.DRAFT, None)
    assert proceeding.sources == [source("https://www.bailii.org/uk/cases/UKFTT/GRC/2023/819.html")]
    assert proceeding.case_reference == "[2023] UKFTT 819 (GRC)"
    assert proceeding.history.get().history_user == editor


def test_a_varied_proceeding_records_its_fine_in_any_letter_case(as_editor):
    ruling = RulingFactory(decided_on=datetime.date(2021, 2, 10))

    response = as_editor.post(
        admin_url(Proceeding, "add"),
        proceeding_form(ruling, effect="varied", decided_on="2022-01", decided_on_precision="month",
                        fine_amount="1500000", fine_currency="sek", ecli="ECLI:SE:KST:2022:1"),  # fmt: skip
    )

    # "2022-01" is no date the form reads; the curator gives any day of the month instead.
    assert response.status_code == 200
    response = as_editor.post(
        admin_url(Proceeding, "add"),
        proceeding_form(ruling, effect="varied", decided_on="2022-01-20", decided_on_precision="month",
                        fine_amount="1500000", fine_currency="sek", ecli="ECLI:SE:KST:2022:1"),  # fmt: skip
    )
    assert response.status_code == 302
    proceeding = Proceeding.objects.get()
    assert (proceeding.decided_on, proceeding.decided_on_precision) == (datetime.date(2022, 1, 1), "month")
    assert (str(proceeding.fine_amount), proceeding.fine_currency, proceeding.ecli) == ("1500000.00", "SEK", "ECLI:SE:KST:2022:1")


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"decided_on": "2022-05-17"}, "decided_on", "A proceeding cannot come before its ruling, decided on 2022-05-18"),
        ({"decided_on": "2999-01-01"}, "decided_on", "cannot lie in the future"),
        ({"decided_on": "2999-06-01", "decided_on_precision": "year"}, "decided_on", "cannot lie in the future"),
        ({"ecli": "ECLI:GB:2023:819"}, "ecli", "European Case Law Identifier format"),
        ({"ecli": "[2023] UKFTT 819 (GRC)"}, "ecli", "European Case Law Identifier format"),
        ({"fine_amount": "1000", "fine_currency": "GBP"}, "fine_amount", "Only a proceeding that varied the ruling sets a fine"),
        ({"effect": "varied", "fine_amount": "1000", "fine_currency": "QQQ"}, "fine_currency", "not an ISO 4217 currency"),
        ({"effect": "varied", "fine_amount": "1000"}, "fine_currency", "A fine needs its currency"),
        ({"effect": "set_aside"}, "effect", "Select a valid choice"),
        ({"sources": ""}, "sources", "At least one source is required"),
        ({"sources": "javascript:alert(1)"}, "sources", "Source 1: “javascript:alert(1)” is not an http or https URL"),
        ({"body": ""}, "body", "This field is required"),
        ({"ruling": "999999"}, "ruling", "Select a valid choice"),
    ],
)
def test_bad_proceeding_input_is_a_form_error_and_saves_nothing(as_publisher, overrides, field, message):
    ruling = RulingFactory(decided_on=datetime.date(2022, 5, 18))

    response = as_publisher.post(admin_url(Proceeding, "add"), proceeding_form(ruling, status="published", **overrides))

    assert response.status_code == 200
    assert message in " ".join(response.context["adminform"].form.errors[field])
    assert not Proceeding.objects.exists()
    assert ruling.standing == "in_force"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"decided_on": "2020-01-01"}, "decided_on"),
        ({"decided_on": "2999-01-01"}, "decided_on"),
        ({"ecli": "ecli-nonsense"}, "ecli"),
        ({"fine_amount": "1000", "fine_currency": "GBP"}, "fine_amount"),
    ],
)
def test_a_bad_edit_of_a_draft_proceeding_changes_nothing(as_editor, overrides, field):
    proceeding = ProceedingFactory(status=Proceeding.Status.DRAFT, body="Before", effect="overturned")

    response = as_editor.post(
        admin_url(Proceeding, "change", proceeding.pk), proceeding_change_form(proceeding, body="After", **overrides)
    )

    assert response.status_code == 200
    assert field in response.context["adminform"].form.errors
    proceeding.refresh_from_db()
    assert (proceeding.body, proceeding.ecli, proceeding.fine_amount) == ("Before", None, None)


def test_a_publisher_publishes_a_proceeding_through_the_action(as_publisher, publisher):
    ruling = RulingFactory()
    draft = ProceedingFactory(ruling=ruling, status=Proceeding.Status.DRAFT, effect="overturned", body="Court of Appeal")

    page = as_publisher.get(admin_url(Proceeding, "changelist"))
    response = as_publisher.post(
        admin_url(Proceeding, "changelist"), {"action": "publish", "_selected_action": [draft.pk]}, follow=True
    )

    actions = [choice[0] for choice in page.context["action_form"].fields["action"].choices]
    assert {"publish", "unpublish"} <= set(actions)
    assert "1 proceeding published: “Court of Appeal" in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == Proceeding.Status.PUBLISHED
    assert draft.published_at is not None
    assert draft.history.latest().history_user == publisher
    assert Ruling.objects.get(pk=ruling.pk).standing == "overturned"


def test_a_publisher_unpublishes_a_proceeding_through_the_action(as_publisher):
    proceeding = ProceedingFactory(effect="overturned")

    as_publisher.post(admin_url(Proceeding, "changelist"), {"action": "unpublish", "_selected_action": [proceeding.pk]})

    assert Proceeding.objects.get(pk=proceeding.pk).status == Proceeding.Status.DRAFT
    assert proceeding.ruling.standing == "in_force"


def test_a_publisher_records_a_proceeding_already_published_and_edits_a_published_one(as_publisher):
    ruling = RulingFactory(decided_on=datetime.date(2022, 5, 18))

    added = as_publisher.post(admin_url(Proceeding, "add"), proceeding_form(ruling, status="published"))
    proceeding = Proceeding.objects.get()
    edited = as_publisher.post(
        admin_url(Proceeding, "change", proceeding.pk), proceeding_change_form(proceeding, body="First-tier Tribunal")
    )

    assert (added.status_code, edited.status_code) == (302, 302)
    proceeding.refresh_from_db()
    assert (proceeding.status, proceeding.body) == (Proceeding.Status.PUBLISHED, "First-tier Tribunal")


def test_the_status_is_no_input_on_a_proceedings_page(as_publisher):
    proceeding = ProceedingFactory(status=Proceeding.Status.DRAFT)

    page = as_publisher.get(admin_url(Proceeding, "change", proceeding.pk))
    as_publisher.post(admin_url(Proceeding, "change", proceeding.pk), proceeding_change_form(proceeding, status="published"))

    assert "status" not in page.context["adminform"].form.fields
    assert "ruling" not in page.context["adminform"].form.fields
    assert Proceeding.objects.get(pk=proceeding.pk).status == Proceeding.Status.DRAFT


def test_an_editor_has_no_way_to_publish_a_proceeding(as_editor):
    draft = ProceedingFactory(status=Proceeding.Status.DRAFT, effect="overturned")

    page = as_editor.get(admin_url(Proceeding, "changelist"))
    action = as_editor.post(admin_url(Proceeding, "changelist"), {"action": "publish", "_selected_action": [draft.pk]})
    add_page = as_editor.get(admin_url(Proceeding, "add"))
    change_page = as_editor.get(admin_url(Proceeding, "change", draft.pk))
    edit = as_editor.post(admin_url(Proceeding, "change", draft.pk), proceeding_change_form(draft, status="published"))

    # No action at all: publishing is not offered, and a bulk delete would skip the per-record check.
    assert page.context["action_form"] is None
    assert b'value="publish"' not in page.content
    assert action.status_code == 200
    assert "status" not in add_page.context["adminform"].form.fields
    assert "status" not in change_page.context["adminform"].form.fields
    assert edit.status_code == 302
    draft.refresh_from_db()
    assert (draft.status, draft.published_at) == (Proceeding.Status.DRAFT, None)
    assert draft.ruling.standing == "in_force"


def test_an_editor_cannot_edit_or_unpublish_a_published_proceeding(as_editor):
    published = ProceedingFactory(body="Court of Appeal", effect="appealed", summary="As published.")
    before = Proceeding.objects.values().get(pk=published.pk)

    page = as_editor.get(admin_url(Proceeding, "change", published.pk))
    edit = as_editor.post(
        admin_url(Proceeding, "change", published.pk), proceeding_change_form(published, body="Changed", effect="overturned")
    )
    unpublish = as_editor.post(admin_url(Proceeding, "changelist"), {"action": "unpublish", "_selected_action": [published.pk]})
    delete = as_editor.post(admin_url(Proceeding, "delete", published.pk), {"post": "yes"})

    assert page.status_code == 200
    assert page.context["has_change_permission"] is False
    assert (edit.status_code, unpublish.status_code, delete.status_code) == (403, 200, 403)
    assert Proceeding.objects.values().get(pk=published.pk) == before


def test_a_publish_refused_by_the_service_is_reported_for_that_proceeding(as_publisher):
    bad = ProceedingFactory(status=Proceeding.Status.DRAFT, decided_on=datetime.date(2021, 3, 1), body="Bad court")
    # Written around the services, as old data may be: the ruling now comes after its proceeding.
    Ruling.objects.filter(pk=bad.ruling_id).update(decided_on=datetime.date(2021, 6, 1))
    good = ProceedingFactory(status=Proceeding.Status.DRAFT, body="Good court")

    response = as_publisher.post(
        admin_url(Proceeding, "changelist"), {"action": "publish", "_selected_action": [bad.pk, good.pk]}, follow=True
    )

    content = response.content.decode()
    assert "was not changed: A proceeding cannot come before its ruling, decided on 2021-06-01." in content
    assert "1 proceeding published: “Good court" in content
    assert Proceeding.objects.get(pk=bad.pk).status == Proceeding.Status.DRAFT
    assert Proceeding.objects.get(pk=good.pk).status == Proceeding.Status.PUBLISHED


def test_the_proceeding_list_and_its_filters_load_within_their_query_budget(as_editor, django_assert_max_num_queries):
    for ruling in RulingFactory.create_batch(20):
        ProceedingFactory.create_batch(3, ruling=ruling)

    with django_assert_max_num_queries(12):
        response = as_editor.get(admin_url(Proceeding, "changelist"), {"effect__exact": "appealed", "status__exact": "published"})

    assert response.context["cl"].result_count == 60
    assert response.context["cl"].list_display == ["ruling", "body", "decided", "effect", "status", "published_at"]


def test_a_proceedings_history_shows_who_changed_what(as_editor):
    proceeding = ProceedingFactory(status=Proceeding.Status.DRAFT, body="Court")
    as_editor.post(admin_url(Proceeding, "change", proceeding.pk), proceeding_change_form(proceeding, body="Court of Appeal"))

    content = as_editor.get(admin_url(Proceeding, "history", proceeding.pk)).content.decode()

    assert re.search(r">editor</a>", content)
    assert re.search(r"<strong>Body:</strong>\s*Court\s*&nbsp;&rarr;&nbsp;&nbsp;Court of Appeal", content)


# --- Flags, v2 --------------------------------------------------------------------------


def test_flags_show_their_basis_appeal_state_and_why_they_were_cleared(as_editor):
    flag = FlagFactory(basis=Flag.Basis.VENDOR, under_appeal=True)
    cleared = FlagFactory(
        agency=flag.agency,
        active=False,
        cleared_at=datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC),
        cleared_reason="The First-tier Tribunal set the ruling aside on 17 October 2023.",
    )

    listing = as_editor.get(admin_url(Flag, "changelist"), {"basis__exact": "vendor", "under_appeal__exact": "1"})
    agency_page = as_editor.get(admin_url(Agency, "change", flag.agency_id))
    flag_page = as_editor.get(admin_url(Flag, "change", cleared.pk))

    assert list(listing.context["cl"].result_list) == [flag]
    assert {"basis", "under_appeal", "cleared_reason"} <= set(listing.context["cl"].list_display)
    for page in (agency_page, flag_page):
        content = page.content.decode()
        assert "The First-tier Tribunal set the ruling aside on 17 October 2023." in content
    assert "a finding about the vendor&#x27;s service" in agency_page.content.decode()


# --- Refusals by the services -----------------------------------------------------------


def test_a_services_refusal_after_writing_is_a_form_error_and_rolls_everything_back(as_editor, monkeypatch):
    from django.contrib.admin.models import LogEntry
    from django.core.exceptions import ValidationError

    import rulings.admin
    from rulings.services import ruling_update

    ruling = RulingFactory(status=Ruling.Status.DRAFT, title="Before")

    def writes_then_refuses(**kwargs):
        ruling_update(**kwargs)  # the ruling is saved, its history written...
        raise ValidationError({"title": "Refused by the service.", "status": "Not a form field."})  # ...then refused

    monkeypatch.setattr(rulings.admin, "ruling_update", writes_then_refuses)

    response = as_editor.post(admin_url(Ruling, "change", ruling.pk), ruling_form(ruling.regulator, title="After"))

    assert response.status_code == 200
    form = response.context["adminform"].form
    assert form.errors["title"] == ["Refused by the service."]
    assert form.non_field_errors() == ["status: Not a form field."]
    assert form["title"].value() == "After"  # the curator's input is kept to correct
    ruling.refresh_from_db()
    assert ruling.title == "Before"
    assert ruling.history.count() == 1
    assert not LogEntry.objects.exists()


def test_a_permission_refused_by_a_service_is_a_form_error_not_a_server_error(as_editor, monkeypatch):
    from django.core.exceptions import PermissionDenied

    import rulings.admin

    def refuses(**kwargs):
        raise PermissionDenied("Publishing a proceeding needs the “publish ruling” permission.")

    monkeypatch.setattr(rulings.admin, "proceeding_create", refuses)
    ruling = RulingFactory(decided_on=datetime.date(2022, 5, 18))

    response = as_editor.post(admin_url(Proceeding, "add"), proceeding_form(ruling))

    assert response.status_code == 200
    assert response.context["adminform"].form.non_field_errors() == [
        "Publishing a proceeding needs the “publish ruling” permission."
    ]
    assert not Proceeding.objects.exists()


def test_old_versions_of_rulings_and_proceedings_are_shown(as_editor):
    proceeding = ProceedingFactory(status=Proceeding.Status.DRAFT, body="Court")
    as_editor.post(admin_url(Proceeding, "change", proceeding.pk), proceeding_change_form(proceeding, body="Court of Appeal"))

    for record in (proceeding.ruling, proceeding):
        version = record.history.earliest()
        url = reverse(f"admin:rulings_{record._meta.model_name}_simple_history", args=[record.pk, version.history_id])
        assert as_editor.get(url).status_code == 200


def test_drafts_are_listed_only_for_those_who_may_change_rulings(client):
    viewer = User.objects.create_user("viewer", "viewer@example.org", "pw", is_staff=True)
    viewer.user_permissions.add(*Permission.objects.filter(codename__in=["view_ruling", "view_proceeding"]))
    client.force_login(viewer)
    published = ProceedingFactory(body="Published court")
    ProceedingFactory(status=Proceeding.Status.DRAFT, body="Draft court", ruling=published.ruling)
    RulingFactory(status=Ruling.Status.DRAFT)

    proceedings = client.get(admin_url(Proceeding, "changelist")).context["cl"].result_list
    rulings = client.get(admin_url(Ruling, "changelist")).context["cl"].result_list

    assert list(proceedings) == [published]
    assert list(rulings) == [published.ruling]
