"""The flagging rule, branch by branch (SPEC §3)."""

import datetime

import pytest

from agencies.models import Agency, Membership
from rulings.models import Ruling
from tests.agencies.factories import AgencyFactory, BlocFactory, MembershipFactory, country
from tests.rulings.factories import RegulatorFactory, RulingFactory
from tracker.models import Flag
from tracker.services import flags_recompute

pytestmark = pytest.mark.django_db

D = datetime.date(2021, 2, 2)


def flags_of(agency):
    return {flag.ruling_id: flag for flag in Flag.objects.filter(agency=agency)}


def active_pairs():
    return set(Flag.objects.filter(active=True).values_list("agency_id", "ruling_id"))


def test_national_ruling_flags_every_agency_of_the_country_and_no_other():
    toronto = AgencyFactory(country=country("CA"), subdivision="CA-ON")
    rcmp = AgencyFactory(country=country("CA"))
    met = AgencyFactory(country=country("GB"))
    ruling = RulingFactory(regulator=RegulatorFactory(jurisdiction="CA"), decided_on=D)

    result = flags_recompute()

    assert active_pairs() == {(toronto.pk, ruling.pk), (rcmp.pk, ruling.pk)}
    assert (result.raised, result.cleared, result.updated, result.kept) == (2, 0, 0, 0)
    assert not flags_of(met)


def test_subdivision_ruling_covers_only_that_subdivision_and_not_agencies_without_one():
    hamburg_police = AgencyFactory(country=country("DE"), subdivision="DE-HH")
    federal_police = AgencyFactory(country=country("DE"), subdivision=None)
    bavarian_police = AgencyFactory(country=country("DE"), subdivision="DE-BY")
    ruling = RulingFactory(regulator=RegulatorFactory(jurisdiction="DE-HH"))

    flags_recompute()

    assert active_pairs() == {(hamburg_police.pk, ruling.pk)}
    assert not flags_of(federal_police) and not flags_of(bavarian_police)


def test_bloc_ruling_covers_members_on_the_ruling_date_exit_day_included():
    eu = RegulatorFactory(jurisdiction="EU", name="European Data Protection Board")
    met = AgencyFactory(country=country("GB"))
    on_exit_day = RulingFactory(regulator=eu, decided_on=datetime.date(2020, 1, 31))
    day_after_exit = RulingFactory(regulator=eu, decided_on=datetime.date(2020, 2, 1))
    before_accession = RulingFactory(regulator=eu, decided_on=datetime.date(1972, 12, 31))

    flags_recompute()

    assert set(flags_of(met)) == {on_exit_day.pk}
    assert "United Kingdom was a member of European Union on that date" in flags_of(met)[on_exit_day.pk].explanation
    assert day_after_exit.pk not in flags_of(met) and before_accession.pk not in flags_of(met)


def test_bloc_ruling_covers_a_country_from_its_accession_day():
    eu = RegulatorFactory(jurisdiction="EU")
    swedish_police = AgencyFactory(country=country("SE"))
    on_accession = RulingFactory(regulator=eu, decided_on=datetime.date(1995, 1, 1))
    day_before = RulingFactory(regulator=eu, decided_on=datetime.date(1994, 12, 31))

    flags_recompute()

    assert set(flags_of(swedish_police)) == {on_accession.pk}
    assert day_before.pk not in flags_of(swedish_police)


def test_agencies_scope_flags_only_the_listed_agencies():
    rcmp = AgencyFactory(country=country("CA"), name="Royal Canadian Mounted Police")
    toronto = AgencyFactory(country=country("CA"))
    ruling = RulingFactory(
        regulator=RegulatorFactory(jurisdiction="CA"), scope=Ruling.Scope.AGENCIES, agencies=[rcmp]
    )

    flags_recompute()

    assert active_pairs() == {(rcmp.pk, ruling.pk)}
    assert "the use by the agencies it names" in flags_of(rcmp)[ruling.pk].explanation
    assert not flags_of(toronto)


@pytest.mark.parametrize(
    ("outcome", "severity"),
    [("unlawful", "unlawful"), ("likely_unlawful", "advisory"), ("lawful", None), ("no_finding", None)],
)
def test_severity_follows_the_outcome_and_lawful_outcomes_never_flag(outcome, severity):
    agency = AgencyFactory()
    ruling = RulingFactory(outcome=outcome)

    flags_recompute()

    flag = flags_of(agency).get(ruling.pk)
    assert (flag.severity if flag else None) == severity


@pytest.mark.parametrize(
    ("first_used", "timing"),
    [
        (None, "ruled_after_use"),
        (datetime.date(2019, 1, 1), "ruled_after_use"),
        (D, "ruled_after_use"),
        (D + datetime.timedelta(days=1), "used_after_ruling"),
    ],
)
def test_timing_compares_first_use_with_the_ruling_date(first_used, timing):
    agency = AgencyFactory(first_used=first_used, last_used=None)
    ruling = RulingFactory(decided_on=D)

    flags_recompute()

    assert flags_of(agency)[ruling.pk].timing == timing


@pytest.mark.parametrize("status", ["draft", "overturned", "withdrawn"])
def test_only_published_rulings_flag(status):
    agency = AgencyFactory()
    RulingFactory(status=status, published_at=None if status == "draft" else datetime.datetime(2021, 1, 1, tzinfo=datetime.UTC))

    flags_recompute()

    assert not flags_of(agency)


def test_international_organisations_are_covered_by_no_jurisdiction():
    interpol = AgencyFactory(country=None, kind=Agency.Kind.INTERNATIONAL, name="INTERPOL")
    RulingFactory(regulator=RegulatorFactory(jurisdiction="FR"))
    RulingFactory(regulator=RegulatorFactory(jurisdiction="EU"))

    flags_recompute()

    assert not flags_of(interpol)


def test_overturned_ruling_clears_the_flag_and_republishing_reactivates_the_same_flag():
    agency = AgencyFactory()
    ruling = RulingFactory()
    flags_recompute()
    flag = Flag.objects.get(agency=agency, ruling=ruling)
    first_raised = flag.raised_at

    ruling.status = Ruling.Status.OVERTURNED
    ruling.save()
    result = flags_recompute()
    flag.refresh_from_db()
    assert (flag.active, result.cleared) == (False, 1)
    assert flag.cleared_at is not None

    ruling.status = Ruling.Status.PUBLISHED
    ruling.save()
    result = flags_recompute()
    reactivated = Flag.objects.get(agency=agency, ruling=ruling)
    assert reactivated.pk == flag.pk
    assert (reactivated.active, reactivated.cleared_at, result.raised) == (True, None, 1)
    assert reactivated.raised_at > first_raised


def test_agency_moved_between_subdivisions_clears_one_flag_and_raises_another():
    agency = AgencyFactory(country=country("CA"), subdivision="CA-ON")
    ontario = RulingFactory(regulator=RegulatorFactory(jurisdiction="CA-ON"))
    quebec = RulingFactory(regulator=RegulatorFactory(jurisdiction="CA-QC"))
    flags_recompute()
    assert set(flags_of(agency)) == {ontario.pk}

    agency.subdivision = "CA-QC"
    agency.save()
    result = flags_recompute(agency_ids=[agency.pk])

    flags = flags_of(agency)
    assert (flags[ontario.pk].active, flags[quebec.pk].active) == (False, True)
    assert (result.raised, result.cleared) == (1, 1)


def test_changed_details_are_rewritten_in_place():
    agency = AgencyFactory(first_used=datetime.date(2019, 1, 1))
    ruling = RulingFactory(outcome="unlawful", decided_on=D)
    flags_recompute()
    flag = Flag.objects.get()

    ruling.outcome = Ruling.Outcome.LIKELY_UNLAWFUL
    ruling.save()
    agency.first_used = datetime.date(2022, 1, 1)
    agency.last_used = None
    agency.save()
    result = flags_recompute()

    rewritten = Flag.objects.get()
    assert rewritten.pk == flag.pk and rewritten.raised_at == flag.raised_at
    assert (rewritten.severity, rewritten.timing) == ("advisory", "used_after_ruling")
    assert "likely unlawful" in rewritten.explanation
    assert (result.updated, result.raised, result.cleared) == (1, 0, 0)


def test_recompute_with_no_change_writes_nothing():
    AgencyFactory.create_batch(3)
    RulingFactory()
    flags_recompute()
    before = list(Flag.objects.values_list("pk", "updated_at", "raised_at").order_by("pk"))

    result = flags_recompute()

    assert result.written == 0 and result.kept == 3
    assert list(Flag.objects.values_list("pk", "updated_at", "raised_at").order_by("pk")) == before


def test_a_membership_edit_changes_bloc_coverage():
    bloc = BlocFactory(code="NORDX", name="Nordic Council")
    finnish_police = AgencyFactory(country=country("FI"))
    ruling = RulingFactory(regulator=RegulatorFactory(jurisdiction="NORDX"), decided_on=D)
    membership = MembershipFactory(bloc=bloc, country=country("FI"), joined=datetime.date(2000, 1, 1))
    flags_recompute()
    assert flags_of(finnish_police)[ruling.pk].active

    membership.left = D - datetime.timedelta(days=1)
    membership.save()
    flags_recompute()

    assert not Flag.objects.get(agency=finnish_police, ruling=ruling).active


def test_scoped_recompute_touches_only_its_ruling():
    agency = AgencyFactory()
    kept_ruling = RulingFactory()
    changed_ruling = RulingFactory()
    flags_recompute()
    Ruling.objects.filter(pk=kept_ruling.pk).update(status="withdrawn")  # a change nobody announced
    changed_ruling.status = "withdrawn"
    changed_ruling.save()

    result = flags_recompute(ruling_ids=[changed_ruling.pk])

    assert result.cleared == 1
    assert Flag.objects.get(agency=agency, ruling=kept_ruling).active
    assert flags_recompute().cleared == 1  # the full reconciliation repairs the drift


def test_explanation_names_regulator_date_scope_and_reason():
    agency = AgencyFactory(country=country("CA"))
    RulingFactory(
        regulator=RegulatorFactory(jurisdiction="CA", name="Office of the Privacy Commissioner of Canada"),
        decided_on=datetime.date(2021, 2, 2),
    )

    flags_recompute()

    assert Flag.objects.get(agency=agency).explanation == (
        "Office of the Privacy Commissioner of Canada ruled on 2021-02-02 that all use of the "
        "technology in Canada (CA) was unlawful; this agency is in Canada."
    )


def test_overlapping_memberships_never_duplicate_a_flag():
    bloc = BlocFactory(code="ZZB", name="Test bloc")
    agency = AgencyFactory(country=country("FR"))
    Membership.objects.bulk_create(
        [
            Membership(bloc=bloc, country=country("FR"), joined=datetime.date(2000, 1, 1)),
            Membership(bloc=bloc, country=country("FR"), joined=datetime.date(2010, 1, 1)),
        ]
    )
    RulingFactory(regulator=RegulatorFactory(jurisdiction="ZZB"), decided_on=D)

    result = flags_recompute()

    assert result.raised == 1 and Flag.objects.filter(agency=agency).count() == 1
