"""Every rule of regulators and rulings, in the database and in model validation."""

import datetime
from contextlib import contextmanager
from decimal import Decimal

import pytest
import time_machine
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError

from rulings.models import Proceeding, Regulator, Ruling
from rulings.services import ruling_change_status, ruling_create, ruling_update
from tests.agencies.factories import AgencyFactory, country
from tests.rulings.factories import ProceedingFactory, RegulatorFactory, RulingFactory
from tests.tracker.factories import FlagFactory

pytestmark = pytest.mark.django_db

JAN_1 = datetime.datetime(2024, 1, 1, 9, 0, tzinfo=datetime.UTC)
FEB_1 = datetime.datetime(2024, 2, 1, 9, 0, tzinfo=datetime.UTC)
MAR_1 = datetime.datetime(2024, 3, 1, 9, 0, tzinfo=datetime.UTC)


@contextmanager
def rejected_by_database(constraint: str):
    """The block's write fails on the named constraint, and the test can go on."""
    with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
        yield


def invalid_fields(instance) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as caught:
        instance.full_clean()
    return caught.value.message_dict


def status_of(ruling) -> str:
    return Ruling.objects.values_list("status", flat=True).get(pk=ruling.pk)


# --- Regulator ------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["CA", "DE-HH", "EU"])
def test_a_jurisdiction_is_a_country_a_subdivision_or_a_bloc(code):
    RegulatorFactory.build(jurisdiction=code).full_clean()


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("ZZ", "neither an ISO 3166-1 country"),
        ("XY", "neither an ISO 3166-1 country"),
        ("DE-XX", "not an ISO 3166-2 subdivision"),
        ("ca", "capitals"),
        ("de-hh", "capitals"),
        ("CAN", "neither an ISO 3166-1 country"),
    ],
)
def test_an_unknown_jurisdiction_code_is_rejected(code, message):
    errors = invalid_fields(RegulatorFactory.build(jurisdiction=code))

    assert message in errors["jurisdiction"][0]


def test_a_regulator_needs_a_name():
    regulator = RegulatorFactory.build(name="")

    assert "name" in invalid_fields(regulator)
    with rejected_by_database("regulator_name_not_empty"):
        regulator.save()


def test_a_regulator_website_must_be_a_url():
    assert "website" in invalid_fields(RegulatorFactory.build(website="regulator dot org"))


def test_a_regulator_with_rulings_cannot_be_deleted():
    ruling = RulingFactory()

    with pytest.raises(ProtectedError):
        ruling.regulator.delete()
    assert Regulator.objects.filter(pk=ruling.regulator_id).exists()


def test_a_regulator_without_rulings_can_be_deleted():
    regulator = RegulatorFactory()

    regulator.delete()

    assert not Regulator.objects.filter(pk=regulator.pk).exists()


# --- Ruling: fields -------------------------------------------------------------------


def test_a_complete_ruling_is_valid():
    RulingFactory.build(regulator=RegulatorFactory(), fine_amount=Decimal("250000"), fine_currency="SEK").full_clean()


def test_a_fine_amount_without_a_currency_is_rejected():
    ruling = RulingFactory.build(regulator=RegulatorFactory(), fine_amount=Decimal("100"), fine_currency=None)

    assert "fine_currency" in invalid_fields(ruling)
    with rejected_by_database("ruling_fine_amount_and_currency_together"):
        ruling.save()


def test_a_currency_without_a_fine_amount_is_rejected():
    ruling = RulingFactory.build(regulator=RegulatorFactory(), fine_amount=None, fine_currency="EUR")

    assert "fine_amount" in invalid_fields(ruling)
    with rejected_by_database("ruling_fine_amount_and_currency_together"):
        ruling.save()


@pytest.mark.parametrize("currency", ["ZZZ", "EURO", "E1", "zzz"])
def test_a_currency_that_is_not_iso_4217_is_rejected(currency):
    ruling = RulingFactory.build(regulator=RegulatorFactory(), fine_amount=Decimal("100"), fine_currency=currency)

    assert "fine_currency" in invalid_fields(ruling)


@pytest.mark.parametrize("currency", ["sek", "S3K"])
def test_the_database_takes_only_three_capital_letters_as_a_currency(currency):
    with rejected_by_database("ruling_fine_currency_shape"):
        Ruling.objects.filter(pk=RulingFactory().pk).update(fine_amount=Decimal("1"), fine_currency=currency)


def test_a_negative_fine_is_rejected():
    ruling = RulingFactory.build(regulator=RegulatorFactory(), fine_amount=Decimal("-1"), fine_currency="EUR")

    assert "fine_amount" in invalid_fields(ruling)
    with rejected_by_database("ruling_fine_non_negative"):
        ruling.save()


def test_an_empty_currency_means_no_fine():
    ruling = RulingFactory.build(regulator=RegulatorFactory(), fine_amount=None, fine_currency="")

    ruling.full_clean()

    assert ruling.fine_currency is None


@pytest.mark.parametrize(
    ("field", "value", "constraint"),
    [
        ("outcome", "illegal", "ruling_outcome_valid"),
        ("scope", "everyone", "ruling_scope_valid"),
        ("status", "archived", "ruling_status_valid"),
        ("status", "overturned", "ruling_status_valid"),  # a standing now, computed from proceedings
        ("concerns", "agency", "ruling_concerns_valid"),
        ("decided_on_precision", "week", "ruling_decided_on_precision_valid"),
        ("title", "", "ruling_title_not_empty"),
    ],
)
def test_a_value_outside_the_choices_is_rejected(field, value, constraint):
    ruling = RulingFactory.build(regulator=RegulatorFactory(), **{field: value})

    assert field in invalid_fields(ruling)
    with rejected_by_database(constraint):
        ruling.save()


def test_a_ruling_needs_a_source_and_a_date():
    errors = invalid_fields(RulingFactory.build(regulator=RegulatorFactory(), sources=[], decided_on=None))

    assert {"sources", "decided_on"} <= errors.keys()


# --- Ruling: status and publication ---------------------------------------------------


def test_published_at_is_set_on_the_first_publication_and_kept_ever_after(publisher):
    with time_machine.travel(JAN_1, tick=False):
        ruling = ruling_create(
            user=publisher,
            regulator=RegulatorFactory(),
            title="Finding",
            decided_on=datetime.date(2023, 12, 1),
            outcome=Ruling.Outcome.UNLAWFUL,
            scope=Ruling.Scope.JURISDICTION,
            sources=["https://regulator.example.org/finding"],
        )
    assert (ruling.status, ruling.published_at) == (Ruling.Status.DRAFT, None)

    with time_machine.travel(FEB_1, tick=False):
        ruling_change_status(ruling=ruling, status=Ruling.Status.PUBLISHED, user=publisher)
    ruling.refresh_from_db()
    assert ruling.published_at == FEB_1

    with time_machine.travel(MAR_1, tick=False):
        ruling_change_status(ruling=ruling, status=Ruling.Status.DRAFT, user=publisher)
        ruling.refresh_from_db()
        assert (ruling.status, ruling.published_at) == (Ruling.Status.DRAFT, FEB_1)
        ruling_change_status(ruling=ruling, status=Ruling.Status.PUBLISHED, user=publisher)
    ruling.refresh_from_db()
    assert (ruling.status, ruling.published_at, ruling.status_changed_at) == (Ruling.Status.PUBLISHED, FEB_1, MAR_1)


def test_a_ruling_recorded_as_already_withdrawn_is_on_the_record_from_its_creation(publisher):
    with time_machine.travel(JAN_1, tick=False):
        ruling = ruling_create(
            user=publisher,
            regulator=RegulatorFactory(),
            title="Retracted by its regulator",
            decided_on=datetime.date(2020, 5, 1),
            outcome=Ruling.Outcome.UNLAWFUL,
            scope=Ruling.Scope.JURISDICTION,
            sources=["https://regulator.example.org/finding"],
            status=Ruling.Status.WITHDRAWN,
        )

    assert (status_of(ruling), ruling.published_at) == (Ruling.Status.WITHDRAWN, JAN_1)


@pytest.mark.parametrize("forbidden", [Ruling.Status.WITHDRAWN])
def test_a_draft_cannot_be_withdrawn(publisher, forbidden):
    draft = RulingFactory(status=Ruling.Status.DRAFT)

    with pytest.raises(ValidationError) as caught:
        ruling_change_status(ruling=Ruling.objects.get(pk=draft.pk), status=forbidden, user=publisher)
    assert "publish it first" in caught.value.message_dict["status"][0]
    assert status_of(draft) == Ruling.Status.DRAFT


@pytest.mark.parametrize("forbidden", [Ruling.Status.PUBLISHED, Ruling.Status.WITHDRAWN])
def test_the_database_refuses_a_ruling_on_the_record_that_was_never_published(forbidden):
    draft = RulingFactory(status=Ruling.Status.DRAFT)

    with rejected_by_database("ruling_published_at_once_in_force"):
        Ruling.objects.filter(pk=draft.pk).update(status=forbidden)


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (Ruling.Status.DRAFT, Ruling.Status.PUBLISHED),
        (Ruling.Status.PUBLISHED, Ruling.Status.DRAFT),
        (Ruling.Status.PUBLISHED, Ruling.Status.WITHDRAWN),
        (Ruling.Status.WITHDRAWN, Ruling.Status.PUBLISHED),
        (Ruling.Status.WITHDRAWN, Ruling.Status.DRAFT),
    ],
)
def test_every_other_status_change_is_allowed(publisher, before, after):
    ruling = RulingFactory(status=before)

    ruling_change_status(ruling=ruling, status=after, user=publisher)

    assert status_of(ruling) == after


def test_only_a_publisher_changes_a_status(editor):
    ruling = RulingFactory(status=Ruling.Status.DRAFT)

    with pytest.raises(PermissionDenied):
        ruling_change_status(ruling=ruling, status=Ruling.Status.PUBLISHED, user=editor)
    assert status_of(ruling) == Ruling.Status.DRAFT


def test_without_the_publish_permission_a_ruling_is_created_only_as_a_draft(editor):
    with pytest.raises(PermissionDenied):
        ruling_create(
            user=editor,
            regulator=RegulatorFactory(),
            title="Finding",
            decided_on=datetime.date(2023, 12, 1),
            outcome=Ruling.Outcome.UNLAWFUL,
            scope=Ruling.Scope.JURISDICTION,
            sources=["https://regulator.example.org/finding"],
            status=Ruling.Status.PUBLISHED,
        )
    assert not Ruling.objects.exists()


def test_drafts_are_visible_only_to_those_who_may_change_rulings(editor):
    draft = RulingFactory(status=Ruling.Status.DRAFT)
    withdrawn = RulingFactory(status=Ruling.Status.WITHDRAWN, published_at=JAN_1)

    assert set(Ruling.objects.visible_to(AnonymousUser())) == {withdrawn}
    assert set(Ruling.objects.visible_to(editor)) == {draft, withdrawn}


# --- Ruling: agencies -----------------------------------------------------------------


def ruling_fields(regulator, **overrides):
    return {
        "regulator": regulator,
        "title": "Finding on named agencies",
        "decided_on": datetime.date(2021, 2, 2),
        "outcome": Ruling.Outcome.UNLAWFUL,
        "scope": Ruling.Scope.AGENCIES,
        "sources": ["https://regulator.example.org/finding"],
        **overrides,
    }


def test_a_ruling_about_agencies_lists_at_least_one(editor):
    with pytest.raises(ValidationError) as caught:
        ruling_create(user=editor, agencies=[], **ruling_fields(RegulatorFactory()))

    assert "at least one agency" in caught.value.message_dict["agencies"][0]
    assert not Ruling.objects.exists()


def test_a_jurisdiction_wide_ruling_lists_no_agencies(editor):
    agency = AgencyFactory(country=country("CA"))

    with pytest.raises(ValidationError) as caught:
        ruling_create(user=editor, agencies=[agency], **ruling_fields(RegulatorFactory(), scope=Ruling.Scope.JURISDICTION))

    assert "lists no agencies" in caught.value.message_dict["agencies"][0]


def test_listed_agencies_must_lie_within_the_regulators_jurisdiction(editor):
    ontario = AgencyFactory(name="Toronto Police Service", country=country("CA"), subdivision="CA-ON")
    quebec = AgencyFactory(name="Sûreté du Québec", country=country("CA"), subdivision="CA-QC")
    regulator = RegulatorFactory(jurisdiction="CA-ON")

    with pytest.raises(ValidationError) as caught:
        ruling_create(user=editor, agencies=[ontario, quebec], **ruling_fields(regulator))

    assert "Sûreté du Québec" in caught.value.message_dict["agencies"][0]
    assert "Toronto" not in caught.value.message_dict["agencies"][0]
    assert not Ruling.objects.exists()


def test_a_blocs_rulings_cover_its_members_on_the_date_of_the_ruling(editor):
    london = AgencyFactory(name="Metropolitan Police", country=country("GB"))
    eu_regulator = RegulatorFactory(jurisdiction="EU")

    before_exit = ruling_create(user=editor, agencies=[london], **ruling_fields(eu_regulator, decided_on=datetime.date(2020, 1, 31)))
    with pytest.raises(ValidationError):
        ruling_create(user=editor, agencies=[london], **ruling_fields(eu_regulator, decided_on=datetime.date(2020, 2, 1)))

    assert list(before_exit.agencies.all()) == [london]


def test_editing_a_ruling_keeps_its_agencies_within_the_jurisdiction(editor):
    toronto = AgencyFactory(country=country("CA"), subdivision="CA-ON")
    ruling = RulingFactory(status=Ruling.Status.DRAFT, scope=Ruling.Scope.AGENCIES, agencies=[toronto])

    with pytest.raises(ValidationError):
        ruling_update(ruling=ruling, user=editor, regulator=RegulatorFactory(jurisdiction="FR"))

    ruling.refresh_from_db()
    assert ruling.regulator.jurisdiction == "CA"


# --- Ruling: deletion -----------------------------------------------------------------


def test_a_ruling_with_flags_cannot_be_deleted():
    flag = FlagFactory()

    with pytest.raises(ProtectedError):
        flag.ruling.delete()
    assert Ruling.objects.filter(pk=flag.ruling_id).exists()


def test_a_ruling_without_flags_can_be_deleted():
    ruling = RulingFactory(status=Ruling.Status.DRAFT)

    ruling.delete()

    assert not Ruling.objects.filter(pk=ruling.pk).exists()


def test_a_status_change_is_kept_in_the_history_with_its_author(publisher):
    ruling = RulingFactory(status=Ruling.Status.DRAFT)

    ruling._history_user = publisher
    ruling_change_status(ruling=ruling, status=Ruling.Status.PUBLISHED, user=publisher)

    latest, previous = ruling.history.all()[:2]
    assert latest.history_user == publisher
    assert (previous.status, latest.status) == (Ruling.Status.DRAFT, Ruling.Status.PUBLISHED)


# --- Regulator: v2 fields -------------------------------------------------------------


@pytest.mark.parametrize("qid", ["Q1143866", "Q1", None, ""])
def test_a_regulators_wikidata_id_is_a_qid_or_nothing(qid):
    regulator = RegulatorFactory.build(wikidata=qid)

    regulator.full_clean()

    assert regulator.wikidata == (qid or None)


@pytest.mark.parametrize("qid", ["Q0", "Q01", "q123", "123", "Q12a", "P31", "Q 1", "Q1/"])
def test_a_regulators_wikidata_id_of_any_other_shape_is_refused(qid):
    regulator = RegulatorFactory.build(wikidata=qid)

    assert "wikidata" in invalid_fields(regulator)
    with rejected_by_database("regulator_wikidata_shape"):
        regulator.save()


def test_a_regulators_aliases_are_distinct_names():
    RegulatorFactory.build(aliases=["IMY", "Integritetsskyddsmyndigheten"]).full_clean()

    assert "aliases" in invalid_fields(RegulatorFactory.build(aliases=["IMY", "imy"]))
    assert "aliases" in invalid_fields(RegulatorFactory.build(aliases=[""]))
    assert "aliases" in invalid_fields(RegulatorFactory.build(aliases="IMY"))


# --- Ruling: v2 fields ----------------------------------------------------------------


def v2_fields(regulator, **overrides):
    return {
        "regulator": regulator,
        "title": "Monetary penalty notice",
        "decided_on": datetime.date(2022, 5, 18),
        "outcome": Ruling.Outcome.UNLAWFUL,
        "scope": Ruling.Scope.JURISDICTION,
        "sources": ["https://ico.org.uk/decision.pdf"],
        **overrides,
    }


def test_concerns_is_use_when_left_out(editor):
    ruling = ruling_create(user=editor, **v2_fields(RegulatorFactory()))

    assert Ruling.objects.get(pk=ruling.pk).concerns == Ruling.Concerns.USE


def test_a_finding_about_the_vendor_covers_its_whole_jurisdiction(editor):
    rcmp = AgencyFactory(country=country("CA"))
    fields = v2_fields(RegulatorFactory(jurisdiction="CA"), concerns=Ruling.Concerns.VENDOR, scope=Ruling.Scope.AGENCIES)

    with pytest.raises(ValidationError) as caught:
        ruling_create(user=editor, agencies=[rcmp], **fields)

    assert "scope" in caught.value.message_dict
    assert not Ruling.objects.exists()
    with rejected_by_database("ruling_vendor_scope_jurisdiction"):
        Ruling(**fields).save()


def test_a_finding_about_the_vendor_for_the_whole_jurisdiction_is_accepted(editor):
    ruling = ruling_create(user=editor, **v2_fields(RegulatorFactory(jurisdiction="GB"), concerns=Ruling.Concerns.VENDOR))

    assert Ruling.objects.get(pk=ruling.pk).concerns == Ruling.Concerns.VENDOR


@pytest.mark.parametrize(
    "ecli", ["ECLI:NL:HR:2023:1234", "ECLI:DE:BVERFG:2020:RS20200519.1BVR217818", "ECLI:EU:C:2014:317", None, ""]
)
def test_an_ecli_has_the_european_case_law_identifier_shape(editor, ecli):
    ruling = ruling_create(user=editor, **v2_fields(RegulatorFactory(), ecli=ecli))

    assert Ruling.objects.get(pk=ruling.pk).ecli == (ecli or None)


@pytest.mark.parametrize(
    "ecli", ["ECLI:NL:HR:23:1234", "ecli:NL:HR:2023:1234", "NL:HR:2023:1234", "ECLI:NLD:HR:2023:1234", "ECLI:NL:HR:2023:"]
)
def test_an_ecli_of_any_other_shape_is_refused(editor, ecli):
    with pytest.raises(ValidationError) as caught:
        ruling_create(user=editor, **v2_fields(RegulatorFactory(), ecli=ecli))

    assert "ecli" in caught.value.message_dict
    assert not Ruling.objects.exists()
    with rejected_by_database("ruling_ecli_shape"):
        Ruling.objects.filter(pk=RulingFactory().pk).update(ecli=ecli)


@pytest.mark.parametrize("currency", ["sek", "Sek", "SEK", " sek "])
def test_a_fines_currency_is_accepted_in_any_case_and_stored_in_capitals(editor, currency):
    ruling = ruling_create(user=editor, **v2_fields(RegulatorFactory(), fine_amount=Decimal("2500000"), fine_currency=currency))

    assert Ruling.objects.get(pk=ruling.pk).fine_currency == "SEK"


def test_a_fine_keeps_its_notes(editor):
    ruling = ruling_create(
        user=editor,
        **v2_fields(
            RegulatorFactory(), fine_amount=Decimal("20000000"), fine_currency="EUR", fine_notes="Plus EUR 100,000 a day of delay."
        ),
    )

    assert Ruling.objects.get(pk=ruling.pk).fine_notes == "Plus EUR 100,000 a day of delay."


def test_bare_source_urls_are_stored_as_source_objects(editor):
    ruling = ruling_create(user=editor, **v2_fields(RegulatorFactory(), sources=["https://ico.org.uk/decision.pdf"]))

    stored = Ruling.objects.get(pk=ruling.pk)
    assert stored.sources == [
        {"url": "https://ico.org.uk/decision.pdf", "title": None, "publisher": None, "published_on": None,
         "kind": None, "archived_url": None, "quote": None}
    ]
    assert stored.source_url == "https://ico.org.uk/decision.pdf"


def test_a_bad_source_refuses_the_ruling_and_names_the_source(editor):
    with pytest.raises(ValidationError) as caught:
        ruling_create(user=editor, **v2_fields(RegulatorFactory(), sources=["https://ok.example.org", "javascript:alert(1)"]))

    assert "javascript:alert(1)" in caught.value.message_dict["sources"][0]
    assert not Ruling.objects.exists()


TODAY = datetime.datetime(2024, 6, 15, 12, 0, tzinfo=datetime.UTC)


@pytest.mark.parametrize(
    ("decided_on", "precision", "stored"),
    [
        (datetime.date(2024, 6, 15), "day", datetime.date(2024, 6, 15)),
        (datetime.date(2024, 6, 1), "month", datetime.date(2024, 6, 1)),  # this month: not wholly in the future
        (datetime.date(2024, 6, 30), "month", datetime.date(2024, 6, 1)),  # stored as the first day of the period
        (datetime.date(2024, 1, 1), "year", datetime.date(2024, 1, 1)),
        (datetime.date(2024, 12, 31), "year", datetime.date(2024, 1, 1)),
    ],
)
def test_a_decision_date_whose_period_has_begun_is_accepted(editor, decided_on, precision, stored):
    with time_machine.travel(TODAY, tick=False):
        ruling = ruling_create(user=editor, **v2_fields(RegulatorFactory(), decided_on=decided_on, decided_on_precision=precision))

    assert Ruling.objects.values_list("decided_on", "decided_on_precision").get(pk=ruling.pk) == (stored, precision)


@pytest.mark.parametrize(
    ("decided_on", "precision"),
    [
        (datetime.date(2024, 6, 16), "day"),
        (datetime.date(2024, 7, 1), "month"),
        (datetime.date(2025, 1, 1), "year"),
    ],
)
def test_a_decision_date_whose_whole_period_is_in_the_future_is_refused(editor, decided_on, precision):
    with time_machine.travel(TODAY, tick=False), pytest.raises(ValidationError) as caught:
        ruling_create(user=editor, **v2_fields(RegulatorFactory(), decided_on=decided_on, decided_on_precision=precision))

    assert "future" in caught.value.message_dict["decided_on"][0]
    assert not Ruling.objects.exists()


def test_a_ruling_is_not_announced_before_it_was_decided(editor):
    with pytest.raises(ValidationError) as caught:
        ruling_create(user=editor, **v2_fields(RegulatorFactory(), announced_on=datetime.date(2022, 5, 17)))

    assert "announced_on" in caught.value.message_dict
    ruling = ruling_create(user=editor, **v2_fields(RegulatorFactory(), announced_on=datetime.date(2022, 5, 23)))
    assert Ruling.objects.get(pk=ruling.pk).announced_on == datetime.date(2022, 5, 23)


def test_a_rulings_date_cannot_move_after_one_of_its_proceedings(publisher):
    ruling = RulingFactory(decided_on=datetime.date(2022, 5, 18))
    ProceedingFactory(ruling=ruling, decided_on=datetime.date(2023, 10, 17), effect="overturned")

    with pytest.raises(ValidationError) as caught:
        ruling_update(ruling=ruling, user=publisher, decided_on=datetime.date(2023, 11, 1))

    assert "cannot precede its ruling" in caught.value.message_dict["decided_on"][0]
    assert Ruling.objects.get(pk=ruling.pk).decided_on == datetime.date(2022, 5, 18)
    ruling_update(ruling=Ruling.objects.get(pk=ruling.pk), user=publisher, decided_on=datetime.date(2023, 10, 17))
    assert Ruling.objects.get(pk=ruling.pk).decided_on == datetime.date(2023, 10, 17)


def test_an_editor_cannot_edit_a_published_ruling(editor):
    ruling = RulingFactory(title="As published")

    with pytest.raises(PermissionDenied):
        ruling_update(ruling=ruling, user=editor, title="Quietly changed")

    assert Ruling.objects.get(pk=ruling.pk).title == "As published"


def test_deleting_a_draft_ruling_deletes_its_draft_proceedings():
    draft = RulingFactory(status=Ruling.Status.DRAFT)
    proceeding = ProceedingFactory(ruling=draft, status="draft")

    draft.delete()

    assert not Ruling.objects.filter(pk=draft.pk).exists()
    assert not Proceeding.objects.filter(pk=proceeding.pk).exists()
