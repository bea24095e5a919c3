"""Every rule of the places and agencies, in the database and in model validation."""

import datetime
from contextlib import contextmanager

import pycountry
import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError

from agencies.models import Agency, Bloc, Country, Membership
from tests.agencies.factories import AgencyFactory, BlocFactory, MembershipFactory, country
from tests.tracker.factories import FlagFactory

pytestmark = pytest.mark.django_db


@contextmanager
def rejected_by_database(constraint: str):
    """The block's write fails on the named constraint, and the test can go on."""
    with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
        yield


def invalid_fields(instance) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as caught:
        instance.full_clean()
    return caught.value.message_dict


# --- Reference data installed by migrate ----------------------------------------------


def test_every_iso_country_is_installed():
    assert Country.objects.count() == len(pycountry.countries) == 249
    assert country("CA").name == "Canada"
    assert Country.objects.filter(code="SE").exists()


def test_the_eu_has_every_member_state_past_and_present_with_its_dates():
    eu = Bloc.objects.get(code="EU")
    memberships = {m.country_id: m for m in eu.memberships.all()}

    assert len(memberships) == 28
    assert {code for code, m in memberships.items() if m.joined == datetime.date(1958, 1, 1)} == {
        "BE", "DE", "FR", "IT", "LU", "NL",
    }
    assert memberships["SE"].joined == datetime.date(1995, 1, 1)
    assert memberships["GB"].joined == datetime.date(1973, 1, 1)
    assert memberships["GB"].left == datetime.date(2020, 1, 31)
    assert memberships["HR"].joined == datetime.date(2013, 7, 1)
    assert [code for code, m in memberships.items() if m.left is not None] == ["GB"]


def test_an_exit_date_is_the_last_day_of_membership():
    members = lambda day: set(Membership.objects.active_on(day).filter(bloc_id="EU").values_list("country_id", flat=True))  # noqa: E731

    assert "GB" in members(datetime.date(2020, 1, 31))
    assert "GB" not in members(datetime.date(2020, 2, 1))
    assert "SE" not in members(datetime.date(1994, 12, 31))
    assert "SE" in members(datetime.date(1995, 1, 1))
    assert len(members(datetime.date(2021, 1, 1))) == 27


# --- Country --------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["ca", "CAN", "C1"])
def test_a_country_code_is_two_capital_letters(code):
    assert "code" in invalid_fields(Country(code=code, name="Somewhere"))


def test_a_country_with_agencies_or_memberships_cannot_be_deleted():
    AgencyFactory(country=country("CA"))

    with pytest.raises(ProtectedError):
        country("CA").delete()
    with pytest.raises(ProtectedError):
        country("SE").delete()  # an EU member
    assert Country.objects.filter(code__in=["CA", "SE"]).count() == 2


# --- Bloc ---------------------------------------------------------------------------


def test_a_bloc_code_may_not_be_an_assigned_country_code():
    errors = invalid_fields(Bloc(code="FR", name="Not France"))

    assert "assigned ISO 3166-1 country code" in errors["code"][0]


def test_a_bloc_code_that_no_country_has_is_valid():
    Bloc(code="ASEAN", name="Association of Southeast Asian Nations").full_clean()


@pytest.mark.parametrize("code", ["eu", "E", "TOOLONGCODE", "E-U"])
def test_a_bloc_code_is_two_to_eight_capital_letters(code):
    assert "code" in invalid_fields(Bloc(code=code, name="A bloc"))


def test_the_database_rejects_a_badly_shaped_bloc_code():
    with rejected_by_database("bloc_code_shape"):
        Bloc.objects.create(code="eu2", name="Lower case")


def test_deleting_a_bloc_deletes_its_memberships():
    membership = MembershipFactory()

    membership.bloc.delete()

    assert not Membership.objects.filter(pk=membership.pk).exists()


# --- Membership -----------------------------------------------------------------------


def test_an_exit_before_the_accession_is_rejected():
    bloc = BlocFactory()
    membership = Membership(bloc=bloc, country=country("FR"), joined=datetime.date(2000, 1, 1), left=datetime.date(1999, 1, 1))

    assert "left" in invalid_fields(membership)
    with rejected_by_database("membership_left_after_joined"):
        membership.save()


def test_leaving_on_the_day_of_accession_is_a_one_day_membership():
    bloc = BlocFactory()
    Membership(bloc=bloc, country=country("FR"), joined=datetime.date(2000, 1, 1), left=datetime.date(2000, 1, 1)).full_clean()


def test_the_same_accession_twice_is_rejected():
    first = MembershipFactory()
    again = Membership(bloc=first.bloc, country=first.country, joined=first.joined)

    assert invalid_fields(again)
    # PostgreSQL names the constraint; SQLite names its columns.
    with rejected_by_database("membership_unique_start|agencies_membership.bloc_id, agencies_membership.country_id"):
        again.save()


def test_overlapping_memberships_of_one_country_are_rejected():
    first = MembershipFactory(joined=datetime.date(2000, 1, 1), left=datetime.date(2010, 1, 1))
    overlapping = Membership(bloc=first.bloc, country=first.country, joined=datetime.date(2009, 1, 1))

    errors = invalid_fields(overlapping)

    assert "overlaps" in errors["__all__"][0]


def test_rejoining_after_leaving_is_a_second_membership():
    first = MembershipFactory(joined=datetime.date(2000, 1, 1), left=datetime.date(2010, 1, 1))

    Membership(bloc=first.bloc, country=first.country, joined=datetime.date(2010, 1, 2)).full_clean()


# --- Agency ---------------------------------------------------------------------------


def test_a_complete_agency_is_valid():
    agency = AgencyFactory.build(country=country("CA"), subdivision="CA-ON", last_used=datetime.date(2020, 2, 1))

    agency.full_clean()


def test_an_international_organisation_has_no_country():
    interpol = AgencyFactory.build(name="INTERPOL", kind=Agency.Kind.INTERNATIONAL, country=None, notes="Seat: Lyon, France")

    interpol.full_clean()
    interpol.save()
    assert Agency.objects.get(name="INTERPOL").country is None


def test_an_international_organisation_with_a_country_is_rejected():
    agency = AgencyFactory.build(kind=Agency.Kind.INTERNATIONAL, country=country("FR"))

    assert "country" in invalid_fields(agency)
    with rejected_by_database("agency_country_unless_international"):
        agency.save()


def test_an_international_organisation_with_a_subdivision_is_rejected():
    agency = AgencyFactory.build(kind=Agency.Kind.INTERNATIONAL, country=None, subdivision="FR-IDF")

    assert "subdivision" in invalid_fields(agency)
    with rejected_by_database("agency_country_unless_international"):
        agency.save()


def test_a_national_agency_without_a_country_is_rejected():
    agency = AgencyFactory.build(kind=Agency.Kind.POLICE, country=None)

    assert "country" in invalid_fields(agency)
    with rejected_by_database("agency_country_unless_international"):
        agency.save()


def test_a_subdivision_outside_the_agencys_country_is_rejected():
    agency = AgencyFactory.build(country=country("CA"), subdivision="US-CA")

    assert "subdivision of US, not of CA" in invalid_fields(agency)["subdivision"][0]
    with rejected_by_database("agency_subdivision_in_country"):
        agency.save()


@pytest.mark.parametrize("subdivision", ["CA-XX", "ONTARIO", "CA"])
def test_an_unknown_subdivision_is_rejected(subdivision):
    agency = AgencyFactory.build(country=country("CA"), subdivision=subdivision)

    assert "not an ISO 3166-2 subdivision code" in invalid_fields(agency)["subdivision"][0]


def test_a_subdivision_in_lower_case_is_rejected():
    agency = AgencyFactory.build(country=country("CA"), subdivision="ca-on")

    assert "capitals" in invalid_fields(agency)["subdivision"][0]
    with rejected_by_database("agency_subdivision_in_country"):
        agency.save()


def test_an_empty_subdivision_means_none():
    agency = AgencyFactory.build(country=country("CA"), subdivision="")

    agency.full_clean()

    assert agency.subdivision is None


def test_a_negative_search_count_is_rejected():
    agency = AgencyFactory.build(searches=-1)

    assert "searches" in invalid_fields(agency)
    with rejected_by_database("searches"):
        agency.save()


def test_an_unknown_search_count_and_zero_are_valid():
    AgencyFactory.build(searches=None).full_clean()
    AgencyFactory.build(searches=0).full_clean()


def test_a_last_use_before_the_first_is_rejected():
    agency = AgencyFactory.build(first_used=datetime.date(2020, 2, 1), last_used=datetime.date(2020, 1, 1))

    assert "last_used" in invalid_fields(agency)
    with rejected_by_database("agency_last_used_after_first"):
        agency.save()


def test_an_agency_needs_a_name():
    agency = AgencyFactory.build(name="")

    assert "name" in invalid_fields(agency)
    with rejected_by_database("agency_name_not_empty"):
        agency.save()


@pytest.mark.parametrize(
    "sources",
    [["not a url"], ["ftp://example.org/file"], "https://example.org", [42]],
)
def test_sources_are_a_list_of_http_urls(sources):
    agency = AgencyFactory.build(sources=sources)

    assert "sources" in invalid_fields(agency)


def test_a_bad_source_is_named_in_the_error():
    agency = AgencyFactory.build(sources=["https://example.org/ok", "example dot org"])

    assert "example dot org" in invalid_fields(agency)["sources"][0]


def test_an_agency_with_flags_cannot_be_deleted():
    flag = FlagFactory()

    with pytest.raises(ProtectedError):
        flag.agency.delete()
    assert Agency.objects.filter(pk=flag.agency_id).exists()


def test_an_agency_without_flags_can_be_deleted():
    agency = AgencyFactory()

    agency.delete()

    assert not Agency.objects.filter(pk=agency.pk).exists()


def test_every_change_to_an_agency_is_kept_in_its_history():
    agency = AgencyFactory(searches=10)

    agency.searches = 25
    agency.save()

    latest, first = agency.history.all()[:2]
    assert [change.field for change in latest.diff_against(first).changes] == ["searches"]
    assert (first.searches, latest.searches) == (10, 25)


# --- Agency: v2 fields ----------------------------------------------------------------


def test_bare_source_urls_are_stored_as_source_objects():
    from agencies.services import agency_create

    agency = agency_create(
        name="Toronto Police Service",
        country=country("CA"),
        subdivision="CA-ON",
        kind=Agency.Kind.POLICE,
        sources=["https://www.buzzfeednews.com/article/ryanmac/clearview-ai-police-facial-recognition",
                 {"url": "https://www.tps.ca/statement", "kind": "primary", "publisher": "Toronto Police Service"}],
    )

    stored = Agency.objects.get(pk=agency.pk).sources
    assert [source["url"] for source in stored] == [
        "https://www.buzzfeednews.com/article/ryanmac/clearview-ai-police-facial-recognition",
        "https://www.tps.ca/statement",
    ]
    assert (stored[0]["kind"], stored[1]["kind"], stored[1]["publisher"]) == (None, "primary", "Toronto Police Service")
    assert all(set(source) == {"url", "title", "publisher", "published_on", "kind", "archived_url", "quote"} for source in stored)


def test_an_agency_with_a_bad_source_is_not_saved():
    from agencies.services import agency_create

    with pytest.raises(ValidationError) as caught:
        agency_create(name="Some police", country=country("CA"), kind=Agency.Kind.POLICE, sources=["javascript:alert(1)"])

    assert "javascript:alert(1)" in caught.value.message_dict["sources"][0]
    assert not Agency.objects.exists()


@pytest.mark.parametrize("qid", ["Q1143866", "Q7", None, ""])
def test_an_agencys_wikidata_id_is_a_qid_or_nothing(qid):
    agency = AgencyFactory.build(wikidata=qid)

    agency.full_clean()

    assert agency.wikidata == (qid or None)


@pytest.mark.parametrize("qid", ["Q0", "Q012", "q1143866", "1143866", "Q11x", "L5"])
def test_an_agencys_wikidata_id_of_any_other_shape_is_refused(qid):
    agency = AgencyFactory.build(wikidata=qid)

    assert "wikidata" in invalid_fields(agency)
    with rejected_by_database("agency_wikidata_shape"):
        agency.save()


def test_searches_are_at_least_the_count_unless_told_otherwise():
    agency = AgencyFactory()

    assert Agency.objects.get(pk=agency.pk).searches_qualifier == Agency.SearchesQualifier.AT_LEAST


@pytest.mark.parametrize("qualifier", ["at_least", "about", "at_most", "exact"])
def test_every_searches_qualifier_is_valid(qualifier):
    AgencyFactory.build(searches=120, searches_qualifier=qualifier).full_clean()


def test_an_unknown_searches_qualifier_is_refused():
    agency = AgencyFactory.build(searches_qualifier="roughly")

    assert "searches_qualifier" in invalid_fields(agency)
    with rejected_by_database("agency_searches_qualifier_valid"):
        agency.save()


def test_aliases_are_a_list_of_distinct_names():
    AgencyFactory.build(aliases=["RCMP", "GRC"]).full_clean()

    for aliases in (["RCMP", "rcmp"], ["RCMP", " "], "RCMP", [1]):
        assert "aliases" in invalid_fields(AgencyFactory.build(aliases=aliases))


def test_last_verified_on_is_kept():
    agency = AgencyFactory(last_verified_on=datetime.date(2026, 11, 30))

    assert Agency.objects.get(pk=agency.pk).last_verified_on == datetime.date(2026, 11, 30)
