"""Staff curation in the Django admin, through the test client as editors and publishers."""

import datetime
import re

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from agencies.models import Agency, Bloc, Membership
from rulings.models import Regulator, Ruling
from tests.agencies.factories import AgencyFactory, BlocFactory, MembershipFactory, country
from tests.rulings.factories import RegulatorFactory, RulingFactory
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
        "kind": "police",
        "country": "CA",
        "subdivision": "CA-ON",
        "searches": "12",
        "first_used": "2019-11-01",
        "last_used": "2020-02-01",
        "authorized": "unknown",
        "paid": "false",
        "notes": "",
        "sources": "https://example.org/article\nhttps://example.org/foi-response",
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
    assert agency.sources == ["https://example.org/article", "https://example.org/foi-response"]
    assert agency.history.get().history_user == editor


def test_the_sources_are_clickable_links_on_the_agency_page(as_editor):
    agency = AgencyFactory(sources=["https://example.org/article", "https://example.org/foi"])

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
        ({"sources": "https://example.org/ok\nnot a link\nftp://example.org/x"}, "sources", "“not a link” is not an http(s) URL"),
        ({"name": ""}, "name", "This field is required"),
    ],
)
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
        "“not a link” is not an http(s) URL.",
        "“ftp://x.org/f” is not an http(s) URL.",
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
    return {"name": "Office of the Privacy Commissioner", "short_name": "OPC", "jurisdiction": "CA", "website": "", **overrides}


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


def test_moving_a_regulator_away_from_the_agencies_its_rulings_list_is_a_form_error(as_editor):
    ruling = RulingFactory(scope=Ruling.Scope.AGENCIES, agencies=[AgencyFactory(country=country("CA"))])

    response = as_editor.post(admin_url(Regulator, "change", ruling.regulator_id), regulator_form(jurisdiction="FR"))

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
        "outcome": "unlawful",
        "scope": "jurisdiction",
        "fine_amount": "",
        "fine_currency": "",
        "summary": "",
        "source_url": "https://regulator.example.org/finding",
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
        ({"fine_amount": "1000", "fine_currency": "sek"}, "fine_currency", "not an ISO 4217 currency"),
        ({"fine_amount": "1000"}, "fine_currency", "amount and its currency together"),
        ({"fine_amount": "-5", "fine_currency": "EUR"}, "fine_amount", "cannot be negative"),
        ({"outcome": "illegal"}, "outcome", "Select a valid choice"),
        ({"source_url": "not a url"}, "source_url", "Enter a valid URL"),
        ({"title": ""}, "title", "This field is required"),
    ],
)
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
    assert {"publish", "unpublish", "mark_overturned", "mark_withdrawn"} <= set(actions)
    assert "2 rulings published" in response.content.decode()
    for ruling in Ruling.objects.filter(pk__in=[r.pk for r in drafts]):
        assert ruling.status == Ruling.Status.PUBLISHED
        assert ruling.published_at is not None
        assert ruling.history.latest().history_user == publisher


@pytest.mark.parametrize(
    ("action", "before", "after"),
    [
        ("unpublish", Ruling.Status.PUBLISHED, Ruling.Status.DRAFT),
        ("mark_overturned", Ruling.Status.PUBLISHED, Ruling.Status.OVERTURNED),
        ("mark_withdrawn", Ruling.Status.PUBLISHED, Ruling.Status.WITHDRAWN),
        ("publish", Ruling.Status.OVERTURNED, Ruling.Status.PUBLISHED),
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
        {"action": "mark_overturned", "_selected_action": [draft.pk, published.pk]},
        follow=True,
    )

    content = response.content.decode()
    assert response.status_code == 200
    assert "“A draft” was not changed: A draft was never in force" in content
    assert "1 ruling marked overturned: “In force”" in content
    assert Ruling.objects.get(pk=draft.pk).status == Ruling.Status.DRAFT
    assert Ruling.objects.get(pk=published.pk).status == Ruling.Status.OVERTURNED


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
