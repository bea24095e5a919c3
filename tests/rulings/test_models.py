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

from rulings.models import Regulator, Ruling
from rulings.services import ruling_change_status, ruling_create, ruling_update
from tests.agencies.factories import AgencyFactory, country
from tests.rulings.factories import RegulatorFactory, RulingFactory
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


@pytest.mark.parametrize("currency", ["ZZZ", "EURO", "sek", "E1"])
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
        ("title", "", "ruling_title_not_empty"),
    ],
)
def test_a_value_outside_the_choices_is_rejected(field, value, constraint):
    ruling = RulingFactory.build(regulator=RegulatorFactory(), **{field: value})

    assert field in invalid_fields(ruling)
    with rejected_by_database(constraint):
        ruling.save()


def test_a_ruling_needs_a_source_url_and_a_date():
    errors = invalid_fields(RulingFactory.build(regulator=RegulatorFactory(), source_url="", decided_on=None))

    assert {"source_url", "decided_on"} <= errors.keys()


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
            source_url="https://regulator.example.org/finding",
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


def test_a_ruling_recorded_as_already_overturned_is_on_the_record_from_its_creation(publisher):
    with time_machine.travel(JAN_1, tick=False):
        ruling = ruling_create(
            user=publisher,
            regulator=RegulatorFactory(),
            title="Set aside on appeal",
            decided_on=datetime.date(2020, 5, 1),
            outcome=Ruling.Outcome.UNLAWFUL,
            scope=Ruling.Scope.JURISDICTION,
            source_url="https://regulator.example.org/finding",
            status=Ruling.Status.OVERTURNED,
        )

    assert (status_of(ruling), ruling.published_at) == (Ruling.Status.OVERTURNED, JAN_1)


@pytest.mark.parametrize("forbidden", [Ruling.Status.OVERTURNED, Ruling.Status.WITHDRAWN])
def test_a_draft_cannot_be_overturned_or_withdrawn(publisher, forbidden):
    draft = RulingFactory(status=Ruling.Status.DRAFT)

    draft.status = forbidden
    assert "publish it first" in invalid_fields(draft)["status"][0]
    with pytest.raises(ValidationError) as caught:
        ruling_change_status(ruling=Ruling.objects.get(pk=draft.pk), status=forbidden, user=publisher)
    assert "status" in caught.value.message_dict
    assert status_of(draft) == Ruling.Status.DRAFT


@pytest.mark.parametrize("forbidden", [Ruling.Status.OVERTURNED, Ruling.Status.WITHDRAWN])
def test_the_database_refuses_a_draft_in_force_that_was_never_published(forbidden):
    draft = RulingFactory(status=Ruling.Status.DRAFT)

    with rejected_by_database("ruling_published_at_once_in_force"):
        Ruling.objects.filter(pk=draft.pk).update(status=forbidden)


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (Ruling.Status.PUBLISHED, Ruling.Status.DRAFT),
        (Ruling.Status.PUBLISHED, Ruling.Status.OVERTURNED),
        (Ruling.Status.PUBLISHED, Ruling.Status.WITHDRAWN),
        (Ruling.Status.OVERTURNED, Ruling.Status.PUBLISHED),
        (Ruling.Status.WITHDRAWN, Ruling.Status.PUBLISHED),
        (Ruling.Status.OVERTURNED, Ruling.Status.DRAFT),
        (Ruling.Status.WITHDRAWN, Ruling.Status.OVERTURNED),
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
            source_url="https://regulator.example.org/finding",
            status=Ruling.Status.PUBLISHED,
        )
    assert not Ruling.objects.exists()


def test_drafts_are_visible_only_to_those_who_may_change_rulings(editor):
    draft = RulingFactory(status=Ruling.Status.DRAFT)
    overturned = RulingFactory(status=Ruling.Status.OVERTURNED, published_at=JAN_1)

    assert set(Ruling.objects.visible_to(AnonymousUser())) == {overturned}
    assert set(Ruling.objects.visible_to(editor)) == {draft, overturned}


# --- Ruling: agencies -----------------------------------------------------------------


def ruling_fields(regulator, **overrides):
    return {
        "regulator": regulator,
        "title": "Finding on named agencies",
        "decided_on": datetime.date(2021, 2, 2),
        "outcome": Ruling.Outcome.UNLAWFUL,
        "scope": Ruling.Scope.AGENCIES,
        "source_url": "https://regulator.example.org/finding",
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
