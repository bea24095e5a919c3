"""The flagging rule, branch by branch (SPEC §3)."""

import datetime

import pytest

from agencies.models import Agency, Membership
from rulings.models import Ruling
from tests.agencies.factories import AgencyFactory, BlocFactory, MembershipFactory, country
from tests.rulings.factories import ProceedingFactory, RegulatorFactory, RulingFactory
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
    assert "because the United Kingdom was a member of the European Union on that date" in flags_of(met)[on_exit_day.pk].explanation
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
    assert "that this agency's own use of the technology was unlawful; the ruling names this agency." in flags_of(rcmp)[ruling.pk].explanation
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


@pytest.mark.parametrize("status", ["draft", "withdrawn"])
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


def test_withdrawing_a_ruling_clears_the_flag_and_republishing_reactivates_the_same_flag():
    agency = AgencyFactory()
    ruling = RulingFactory()
    flags_recompute()
    flag = Flag.objects.get(agency=agency, ruling=ruling)
    first_raised = flag.raised_at

    ruling.status = Ruling.Status.WITHDRAWN
    ruling.save()
    result = flags_recompute()
    flag.refresh_from_db()
    assert (flag.active, result.cleared) == (False, 1)
    assert flag.cleared_at is not None
    assert flag.cleared_reason == "The ruling was withdrawn."

    ruling.status = Ruling.Status.PUBLISHED
    ruling.save()
    result = flags_recompute()
    reactivated = Flag.objects.get(agency=agency, ruling=ruling)
    assert reactivated.pk == flag.pk
    assert (reactivated.active, reactivated.cleared_at, reactivated.cleared_reason, result.raised) == (True, None, "", 1)
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
    assert flags[ontario.pk].cleared_reason == "This agency is not within Ontario, Canada, which the ruling covers."


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
        "The Office of the Privacy Commissioner of Canada found on 2 February 2021 that all use of the "
        "technology by public bodies in Canada was unlawful; the ruling covers this agency because it is in Canada."
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


# --- v2: basis, proceedings, precision, clearing and returning ------------------------


@pytest.mark.parametrize(("concerns", "basis"), [("use", "use"), ("vendor", "vendor")])
def test_the_basis_of_a_flag_is_what_the_ruling_concerns(concerns, basis):
    met = AgencyFactory(country=country("GB"))
    RulingFactory(regulator=RegulatorFactory(jurisdiction="GB"), concerns=concerns)

    flags_recompute()

    assert Flag.objects.get(agency=met).basis == basis


def test_a_finding_about_the_vendor_is_never_described_as_one_about_the_agencys_use():
    met = AgencyFactory(country=country("GB"))
    RulingFactory(regulator=RegulatorFactory(jurisdiction="GB", name="Information Commissioner's Office"), concerns="vendor")

    flags_recompute()

    explanation = Flag.objects.get(agency=met).explanation
    assert "the vendor's service in the United Kingdom was unlawful" in explanation
    assert "(a finding about the vendor, not about this agency's own use)" in explanation
    assert "all use of the technology" not in explanation and "this agency's own use of the technology was" not in explanation


def test_an_appeal_keeps_the_flag_and_marks_it_under_appeal_in_place():
    agency = AgencyFactory()
    ruling = RulingFactory(decided_on=D)
    flags_recompute()
    flag = Flag.objects.get()
    assert (flag.under_appeal, flag.explanation.endswith("because it is in Canada.")) == (False, True)

    ProceedingFactory(ruling=ruling, effect="appealed", decided_on=datetime.date(2021, 3, 4))
    result = flags_recompute()

    appealed = Flag.objects.get()
    assert (appealed.pk, appealed.active, appealed.under_appeal, appealed.raised_at) == (flag.pk, True, True, flag.raised_at)
    assert appealed.explanation.endswith("because it is in Canada; under appeal since 4 March 2021.")
    assert (result.updated, result.raised, result.cleared) == (1, 0, 0)
    assert flags_of(agency)[ruling.pk].severity == "unlawful"


def test_an_appeal_dismissed_ends_the_appeal_state():
    AgencyFactory()
    ruling = RulingFactory(decided_on=D)
    ProceedingFactory(ruling=ruling, effect="appealed", decided_on=datetime.date(2021, 3, 4))
    flags_recompute()
    assert Flag.objects.get().under_appeal

    ProceedingFactory(ruling=ruling, effect="upheld", decided_on=datetime.date(2022, 6, 1))
    flags_recompute()

    flag = Flag.objects.get()
    assert (flag.active, flag.under_appeal) == (True, False)
    assert "under appeal" not in flag.explanation


def test_a_draft_proceeding_changes_no_flag():
    AgencyFactory()
    ruling = RulingFactory(decided_on=D)
    ProceedingFactory(ruling=ruling, effect="overturned", status="draft")

    flags_recompute()

    flag = Flag.objects.get()
    assert (flag.active, flag.under_appeal) == (True, False)


def test_an_overturned_ruling_clears_its_flags_naming_the_body_and_the_date():
    toronto = AgencyFactory(country=country("CA"))
    rcmp = AgencyFactory(country=country("CA"))
    ruling = RulingFactory(decided_on=D)
    flags_recompute()

    ProceedingFactory(
        ruling=ruling,
        effect="overturned",
        body="Federal Court of Appeal",
        decided_on=datetime.date(2023, 10, 17),
        case_reference="2023 FCA 200",
    )
    result = flags_recompute()

    assert result.cleared == 2 and not active_pairs()
    for agency in (toronto, rcmp):
        flag = flags_of(agency)[ruling.pk]
        assert flag.cleared_at is not None
        assert flag.cleared_reason == "The Federal Court of Appeal set the ruling aside on 17 October 2023 (2023 FCA 200)."


def test_an_overturning_known_to_the_month_is_dated_at_its_precision():
    agency = AgencyFactory()
    ruling = RulingFactory(decided_on=D)
    flags_recompute()

    ProceedingFactory(
        ruling=ruling, effect="overturned", body="The Court of Appeal", decided_on=datetime.date(2023, 10, 1), decided_on_precision="month"
    )
    flags_recompute()

    assert flags_of(agency)[ruling.pk].cleared_reason == "The Court of Appeal set the ruling aside in October 2023."


def test_a_flag_that_returns_is_the_same_flag_active_again():
    agency = AgencyFactory()
    ruling = RulingFactory(decided_on=D)
    flags_recompute()
    flag = Flag.objects.get()
    ProceedingFactory(ruling=ruling, effect="overturned", decided_on=datetime.date(2023, 10, 17))
    flags_recompute()
    cleared = Flag.objects.get()
    assert (cleared.active, cleared.cleared_reason != "") == (False, True)

    ProceedingFactory(ruling=ruling, effect="remitted", body="Supreme Court", decided_on=datetime.date(2025, 10, 6))
    result = flags_recompute()

    returned = Flag.objects.get(agency=agency, ruling=ruling)
    assert returned.pk == flag.pk
    assert (returned.active, returned.cleared_at, returned.cleared_reason, returned.under_appeal) == (True, None, "", True)
    assert returned.raised_at > cleared.cleared_at
    assert returned.explanation.endswith("; under appeal since 6 October 2025.")
    assert (result.raised, result.cleared, result.updated) == (1, 0, 0)


def test_an_appeal_against_an_overturning_does_not_bring_the_flag_back():
    AgencyFactory()
    ruling = RulingFactory(decided_on=D)
    ProceedingFactory(ruling=ruling, effect="overturned", decided_on=datetime.date(2023, 10, 17))
    ProceedingFactory(ruling=ruling, effect="appealed", decided_on=datetime.date(2023, 11, 20))

    flags_recompute()

    assert not active_pairs()


def test_a_ruling_restored_after_its_overturning_flags_again_in_force():
    AgencyFactory()
    ruling = RulingFactory(decided_on=D)
    ProceedingFactory(ruling=ruling, effect="overturned", decided_on=datetime.date(2023, 10, 17))
    ProceedingFactory(ruling=ruling, effect="restored", decided_on=datetime.date(2024, 10, 17))

    flags_recompute()

    flag = Flag.objects.get()
    assert (flag.active, flag.under_appeal) == (True, False)


@pytest.mark.parametrize(
    ("precision", "first_used", "timing"),
    [
        ("month", datetime.date(2021, 1, 31), "ruled_after_use"),
        ("month", datetime.date(2021, 2, 1), "ruled_after_use"),
        ("month", datetime.date(2021, 2, 20), "ruled_after_use"),  # the same month: not after the ruling
        ("month", datetime.date(2021, 2, 28), "ruled_after_use"),
        ("month", datetime.date(2021, 3, 1), "used_after_ruling"),
        ("year", datetime.date(2021, 12, 31), "ruled_after_use"),
        ("year", datetime.date(2022, 1, 1), "used_after_ruling"),
        ("day", datetime.date(2021, 2, 2), "ruled_after_use"),
        ("day", datetime.date(2021, 2, 3), "used_after_ruling"),
    ],
)
def test_timing_compares_first_use_with_the_end_of_the_rulings_period(precision, first_used, timing):
    agency = AgencyFactory(first_used=first_used, last_used=None)
    decided_on = {"day": D, "month": datetime.date(2021, 2, 1), "year": datetime.date(2021, 1, 1)}[precision]
    ruling = RulingFactory(decided_on=decided_on, decided_on_precision=precision)

    flags_recompute()

    assert flags_of(agency)[ruling.pk].timing == timing


def test_a_ruling_whose_outcome_becomes_lawful_clears_its_flags_saying_so():
    agency = AgencyFactory()
    ruling = RulingFactory()
    flags_recompute()

    ruling.outcome = Ruling.Outcome.LAWFUL
    ruling.save()
    flags_recompute()

    assert flags_of(agency)[ruling.pk].cleared_reason == "The ruling's outcome is now “lawful”, which flags no agency."


def test_a_ruling_taken_back_to_draft_clears_its_flags_saying_so():
    agency = AgencyFactory()
    ruling = RulingFactory()
    flags_recompute()

    ruling.status = Ruling.Status.DRAFT
    ruling.save()
    flags_recompute()

    assert flags_of(agency)[ruling.pk].cleared_reason == "The ruling was taken back to draft."


def test_an_agency_no_longer_listed_is_cleared_saying_so():
    rcmp = AgencyFactory(country=country("CA"))
    toronto = AgencyFactory(country=country("CA"))
    ruling = RulingFactory(
        regulator=RegulatorFactory(jurisdiction="CA", name="Office of the Privacy Commissioner of Canada"),
        scope=Ruling.Scope.AGENCIES,
        agencies=[rcmp, toronto],
    )
    flags_recompute()

    ruling.agencies.set([toronto])
    flags_recompute(ruling_ids=[ruling.pk])

    assert flags_of(rcmp)[ruling.pk].cleared_reason == (
        "The ruling's list of agencies no longer includes this agency."
    )
    assert flags_of(toronto)[ruling.pk].active


def test_recomputing_twice_writes_nothing_whatever_the_records():
    AgencyFactory(country=country("GB"), first_used=datetime.date(2021, 2, 10))
    AgencyFactory(country=country("FR"), first_used=None)
    AgencyFactory(country=country("DE"), subdivision="DE-HH")
    vendor = RulingFactory(regulator=RegulatorFactory(jurisdiction="GB"), concerns="vendor", decided_on=datetime.date(2022, 5, 18))
    ProceedingFactory(ruling=vendor, effect="overturned", decided_on=datetime.date(2023, 10, 17))
    ProceedingFactory(ruling=vendor, effect="remitted", decided_on=datetime.date(2025, 10, 6))
    eu = RulingFactory(
        regulator=RegulatorFactory(jurisdiction="EU"), decided_on=datetime.date(2020, 1, 1), decided_on_precision="year",
        outcome="likely_unlawful",
    )
    ProceedingFactory(ruling=eu, effect="appealed", decided_on=datetime.date(2021, 2, 1), decided_on_precision="month")
    overturned = RulingFactory(regulator=RegulatorFactory(jurisdiction="DE-HH"))
    ProceedingFactory(ruling=overturned, effect="overturned")
    flags_recompute()
    before = list(Flag.objects.order_by("pk").values())

    result = flags_recompute()

    assert (result.raised, result.cleared, result.updated, result.written) == (0, 0, 0, 0)
    assert result.kept == Flag.objects.filter(active=True).count() > 0
    assert list(Flag.objects.order_by("pk").values()) == before


def test_a_regulator_whose_name_begins_with_the_is_not_given_a_second_article():
    AgencyFactory(country=country("DE"), subdivision="DE-HH")
    RulingFactory(regulator=RegulatorFactory(jurisdiction="DE-HH", name="The Hamburg Commissioner for Data Protection"))

    flags_recompute()

    assert Flag.objects.get().explanation.startswith("The Hamburg Commissioner for Data Protection found on 2 February 2021 that")


def test_an_advisory_finding_is_something_a_body_said_not_found():
    AgencyFactory(country=country("FR"))
    RulingFactory(
        regulator=RegulatorFactory(jurisdiction="EU", name="European Data Protection Board"),
        outcome="likely_unlawful",
        decided_on=datetime.date(2020, 6, 1),
        decided_on_precision="month",
    )

    flags_recompute()

    flag = Flag.objects.get()
    assert flag.severity == "advisory"
    assert flag.explanation.startswith("The European Data Protection Board said in June 2020 that all use of the technology")
    assert "was likely unlawful;" in flag.explanation
