"""Proceedings: what happened to a ruling after it was decided (SPEC §2), through the services."""

import datetime
from contextlib import contextmanager
from decimal import Decimal

import pytest
import time_machine
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from rulings.models import Proceeding, Ruling
from rulings.services import proceeding_change_status, proceeding_create, proceeding_update
from rulings.standing import Standing
from tests.rulings.factories import ProceedingFactory, RulingFactory

pytestmark = pytest.mark.django_db

ICO_FINE = datetime.date(2022, 5, 18)
FTT = datetime.date(2023, 10, 17)
NOW = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)


@contextmanager
def rejected_by_database(constraint: str):
    with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
        yield


def refused(user, **fields) -> dict[str, list[str]]:
    """Fields of a proceeding_create that fails validation, with nothing saved."""
    before = Proceeding.objects.count()
    with pytest.raises(ValidationError) as caught:
        proceeding_create(user=user, **fields)
    assert Proceeding.objects.count() == before
    return caught.value.message_dict


@pytest.fixture
def ruling():
    return RulingFactory(decided_on=ICO_FINE)


def fields(ruling, **overrides):
    return {
        "ruling": ruling,
        "body": "First-tier Tribunal (General Regulatory Chamber)",
        "decided_on": FTT,
        "effect": Proceeding.Effect.OVERTURNED,
        "case_reference": "[2023] UKFTT 819 (GRC)",
        "sources": ["https://www.bailii.org/uk/cases/UKFTT/GRC/2023/819.html"],
        "status": Proceeding.Status.PUBLISHED,
        **overrides,
    }


# --- Recording a proceeding -----------------------------------------------------------


def test_a_publisher_records_a_published_proceeding_that_changes_the_standing(publisher, ruling):
    with time_machine.travel(NOW, tick=False):
        proceeding = proceeding_create(user=publisher, **fields(ruling))

    stored = Proceeding.objects.get(pk=proceeding.pk)
    assert (stored.status, stored.published_at) == (Proceeding.Status.PUBLISHED, NOW)
    assert stored.sources[0]["url"] == "https://www.bailii.org/uk/cases/UKFTT/GRC/2023/819.html"
    assert set(stored.sources[0]) == {"url", "title", "publisher", "published_on", "kind", "archived_url", "quote"}
    assert Ruling.objects.get(pk=ruling.pk).standing == Standing.OVERTURNED


def test_a_proceeding_needs_a_source(publisher, ruling):
    assert "sources" in refused(publisher, **fields(ruling, sources=[]))


def test_a_proceeding_needs_a_body(publisher, ruling):
    assert "body" in refused(publisher, **fields(ruling, body=""))


def test_a_proceeding_dated_before_its_ruling_is_refused(publisher, ruling):
    errors = refused(publisher, **fields(ruling, decided_on=ICO_FINE - datetime.timedelta(days=1)))

    assert "cannot come before its ruling" in errors["decided_on"][0]


def test_a_proceeding_on_the_day_of_its_ruling_is_accepted(publisher, ruling):
    proceeding_create(user=publisher, **fields(ruling, decided_on=ICO_FINE, effect=Proceeding.Effect.APPEALED))

    assert Proceeding.objects.get().decided_on == ICO_FINE


def test_a_proceeding_known_to_the_month_of_its_ruling_is_accepted(publisher, ruling):
    proceeding_create(
        user=publisher,
        **fields(ruling, decided_on=datetime.date(2022, 5, 1), decided_on_precision="month", effect=Proceeding.Effect.APPEALED),
    )

    assert Proceeding.objects.values_list("decided_on", "decided_on_precision").get() == (datetime.date(2022, 5, 1), "month")


def test_a_proceeding_known_to_the_month_before_its_ruling_is_refused(publisher, ruling):
    errors = refused(publisher, **fields(ruling, decided_on=datetime.date(2022, 4, 1), decided_on_precision="month"))

    assert "decided_on" in errors


def test_a_proceeding_of_a_month_precision_ruling_may_fall_in_that_month(publisher):
    february = RulingFactory(decided_on=datetime.date(2021, 2, 1), decided_on_precision="month")

    proceeding_create(user=publisher, **fields(february, decided_on=datetime.date(2021, 2, 1), effect=Proceeding.Effect.APPEALED))

    assert refused(publisher, **fields(february, decided_on=datetime.date(2021, 1, 31)))["decided_on"]


@pytest.mark.parametrize(
    ("decided_on", "precision", "accepted"),
    [
        (datetime.date(2026, 3, 2), "day", True),
        (datetime.date(2026, 3, 3), "day", False),
        (datetime.date(2026, 3, 31), "month", True),
        (datetime.date(2026, 4, 1), "month", False),
        (datetime.date(2026, 12, 31), "year", True),
        (datetime.date(2027, 1, 1), "year", False),
    ],
)
def test_a_proceeding_is_never_in_the_future_unless_only_part_of_its_period_is(publisher, ruling, decided_on, precision, accepted):
    with time_machine.travel(NOW, tick=False):
        if accepted:
            proceeding_create(user=publisher, **fields(ruling, decided_on=decided_on, decided_on_precision=precision))
            assert Proceeding.objects.exists()
        else:
            assert "future" in refused(publisher, **fields(ruling, decided_on=decided_on, decided_on_precision=precision))["decided_on"][0]


@pytest.mark.parametrize("ecli", ["ECLI:NL:RVS:2024:123", None])
def test_a_proceedings_ecli_is_checked_like_a_rulings(publisher, ruling, ecli):
    proceeding_create(user=publisher, **fields(ruling, ecli=ecli))

    assert Proceeding.objects.get().ecli == ecli


def test_a_proceeding_with_a_malformed_ecli_is_refused(publisher, ruling):
    assert "ecli" in refused(publisher, **fields(ruling, ecli="ECLI:UK:FTT:2023"))
    with rejected_by_database("proceeding_ecli_shape"):
        Proceeding.objects.filter(pk=ProceedingFactory(ruling=ruling).pk).update(ecli="ECLI:UK:FTT:2023")


# --- Fines ----------------------------------------------------------------------------


def test_a_proceeding_that_varied_the_ruling_sets_a_fine_stored_in_capitals(publisher, ruling):
    proceeding_create(
        user=publisher,
        **fields(ruling, effect=Proceeding.Effect.VARIED, fine_amount=Decimal("7552800"), fine_currency="gbp"),
    )

    assert Proceeding.objects.values_list("fine_amount", "fine_currency").get() == (Decimal("7552800"), "GBP")


@pytest.mark.parametrize("effect", [e for e in Proceeding.Effect.values if e != "varied"])
def test_only_a_proceeding_that_varied_the_ruling_sets_a_fine(publisher, ruling, effect):
    errors = refused(publisher, **fields(ruling, effect=effect, fine_amount=Decimal("1000"), fine_currency="GBP"))

    assert "fine_amount" in errors
    with rejected_by_database("proceeding_fine_only_when_varied"):
        ProceedingFactory(ruling=ruling, effect=effect, fine_amount=Decimal("1000"), fine_currency="GBP")


def test_a_fine_needs_its_currency(publisher, ruling):
    assert "fine_currency" in refused(publisher, **fields(ruling, effect="varied", fine_amount=Decimal("1"), fine_currency=None))


# --- Permissions ----------------------------------------------------------------------


def test_an_editor_records_a_draft_proceeding_that_changes_nothing_yet(editor, ruling):
    proceeding = proceeding_create(user=editor, **fields(ruling, status=Proceeding.Status.DRAFT))

    assert Proceeding.objects.get(pk=proceeding.pk).published_at is None
    assert Ruling.objects.get(pk=ruling.pk).standing == Standing.IN_FORCE


def test_an_editor_cannot_create_a_published_proceeding(editor, ruling):
    with pytest.raises(PermissionDenied):
        proceeding_create(user=editor, **fields(ruling))

    assert not Proceeding.objects.exists()
    assert Ruling.objects.get(pk=ruling.pk).standing == Standing.IN_FORCE


def test_an_editor_cannot_publish_a_draft_proceeding(editor, ruling):
    draft = proceeding_create(user=editor, **fields(ruling, status=Proceeding.Status.DRAFT))

    with pytest.raises(PermissionDenied):
        proceeding_update(proceeding=draft, user=editor, status=Proceeding.Status.PUBLISHED)
    with pytest.raises(PermissionDenied):
        proceeding_change_status(proceeding=Proceeding.objects.get(pk=draft.pk), status=Proceeding.Status.PUBLISHED, user=editor)

    assert Proceeding.objects.values_list("status", "published_at").get(pk=draft.pk) == (Proceeding.Status.DRAFT, None)


def test_an_editor_edits_a_draft_proceeding(editor, ruling):
    draft = proceeding_create(user=editor, **fields(ruling, status=Proceeding.Status.DRAFT))

    proceeding_update(proceeding=draft, user=editor, summary="The tribunal found the ICO lacked jurisdiction.")

    assert Proceeding.objects.get(pk=draft.pk).summary == "The tribunal found the ICO lacked jurisdiction."


def test_an_editor_cannot_edit_or_unpublish_a_published_proceeding(editor, ruling):
    published = ProceedingFactory(ruling=ruling, summary="As published")

    with pytest.raises(PermissionDenied):
        proceeding_update(proceeding=published, user=editor, summary="Quietly changed")
    with pytest.raises(PermissionDenied):
        proceeding_update(proceeding=Proceeding.objects.get(pk=published.pk), user=editor, status=Proceeding.Status.DRAFT)

    assert Proceeding.objects.values_list("summary", "status").get(pk=published.pk) == ("As published", "published")


def test_anonymous_users_cannot_record_proceedings(ruling):
    with pytest.raises(PermissionDenied):
        proceeding_create(user=AnonymousUser(), **fields(ruling))

    assert not Proceeding.objects.exists()


def test_a_publisher_publishes_unpublishes_and_republishes_keeping_the_first_publication_time(publisher, editor, ruling):
    draft = proceeding_create(user=editor, **fields(ruling, status=Proceeding.Status.DRAFT))

    with time_machine.travel(NOW, tick=False):
        proceeding_change_status(proceeding=draft, status=Proceeding.Status.PUBLISHED, user=publisher)
    assert Ruling.objects.get(pk=ruling.pk).standing == Standing.OVERTURNED

    proceeding_change_status(proceeding=Proceeding.objects.get(pk=draft.pk), status=Proceeding.Status.DRAFT, user=publisher)
    assert Ruling.objects.get(pk=ruling.pk).standing == Standing.IN_FORCE

    proceeding_change_status(proceeding=Proceeding.objects.get(pk=draft.pk), status=Proceeding.Status.PUBLISHED, user=publisher)
    assert Proceeding.objects.get(pk=draft.pk).published_at == NOW


def test_an_invalid_edit_saves_nothing(publisher, ruling):
    proceeding = ProceedingFactory(ruling=ruling, decided_on=FTT, summary="As published")

    with pytest.raises(ValidationError):
        proceeding_update(
            proceeding=proceeding, user=publisher, summary="Changed", decided_on=ICO_FINE - datetime.timedelta(days=1)
        )

    assert Proceeding.objects.values_list("summary", "decided_on").get(pk=proceeding.pk) == ("As published", FTT)


def test_drafts_are_visible_only_to_those_who_may_change_rulings(editor, ruling):
    published = ProceedingFactory(ruling=ruling)
    draft = ProceedingFactory(ruling=ruling, status=Proceeding.Status.DRAFT)
    on_a_draft_ruling = ProceedingFactory(ruling=RulingFactory(status=Ruling.Status.DRAFT))

    assert set(Proceeding.objects.visible_to(AnonymousUser())) == {published}
    assert set(Proceeding.objects.visible_to(editor)) == {published, draft, on_a_draft_ruling}


def test_a_proceeding_is_kept_in_the_history(publisher, ruling):
    proceeding = ProceedingFactory(ruling=ruling, summary="First")

    proceeding_update(proceeding=proceeding, user=publisher, summary="Second")

    assert [entry.summary for entry in proceeding.history.all()] == ["Second", "First"]
