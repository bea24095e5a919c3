"""A ruling's standing on a date, computed from its proceedings (SPEC §2).

The state machine is pure (``rulings.standing``); the last tests check that a stored
ruling reads its stored proceedings the same way.
"""

import datetime
from types import SimpleNamespace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rulings.models import Proceeding, Ruling
from rulings.standing import Effect, Standing, standing_on
from tests.rulings.factories import ProceedingFactory, RulingFactory

DECIDED = datetime.date(2022, 5, 18)
LATER = datetime.date(2030, 1, 1)


def proceeding(pk, effect, day, status="published"):
    """What the state machine reads of a proceeding: an id, a date, an effect and a status."""
    return SimpleNamespace(id=pk, decided_on=day, effect=effect, status=status)


def on(day, *proceedings, status="published"):
    return standing_on(status=status, proceedings=list(proceedings), day=day)


def days_after(days):
    return DECIDED + datetime.timedelta(days=days)


# --- Each transition of the table ------------------------------------------------------


def test_a_published_ruling_without_proceedings_is_in_force_since_its_decision():
    result = on(LATER)

    assert (result.standing, result.since, result.last) == (Standing.IN_FORCE, None, None)
    assert result.in_effect


@pytest.mark.parametrize(
    ("effect", "standing"),
    [
        (Effect.APPEALED, Standing.UNDER_APPEAL),
        (Effect.UPHELD, Standing.IN_FORCE),
        (Effect.VARIED, Standing.IN_FORCE),
        (Effect.OVERTURNED, Standing.OVERTURNED),
        (Effect.RESTORED, Standing.IN_FORCE),
        (Effect.REMITTED, Standing.UNDER_APPEAL),
    ],
)
def test_from_in_force_each_effect_leads_to_its_standing(effect, standing):
    assert on(LATER, proceeding(1, effect, days_after(10))).standing == standing


def test_an_appeal_puts_the_ruling_under_appeal_since_the_appeal():
    appeal = proceeding(1, Effect.APPEALED, days_after(30))

    result = on(LATER, appeal)

    assert (result.standing, result.since, result.last) == (Standing.UNDER_APPEAL, appeal, appeal)
    assert result.in_effect


@pytest.mark.parametrize("effect", [Effect.UPHELD, Effect.VARIED])
def test_an_appeal_that_is_dismissed_leaves_the_ruling_in_force(effect):
    appeal = proceeding(1, Effect.APPEALED, days_after(30))
    decision = proceeding(2, effect, days_after(300))

    result = on(LATER, appeal, decision)

    assert (result.standing, result.since, result.last) == (Standing.IN_FORCE, decision, decision)


def test_an_overturned_ruling_stays_overturned_when_the_overturning_is_appealed():
    overturned = proceeding(1, Effect.OVERTURNED, days_after(500))
    appeal_against_it = proceeding(2, Effect.APPEALED, days_after(600))

    result = on(LATER, overturned, appeal_against_it)

    assert (result.standing, result.since, result.last) == (Standing.OVERTURNED, overturned, appeal_against_it)
    assert not result.in_effect


def test_a_ruling_restored_after_being_overturned_is_in_force_again():
    overturned = proceeding(1, Effect.OVERTURNED, days_after(500))
    appeal = proceeding(2, Effect.APPEALED, days_after(600))
    restored = proceeding(3, Effect.RESTORED, days_after(900))

    result = on(LATER, overturned, appeal, restored)

    assert (result.standing, result.since) == (Standing.IN_FORCE, restored)


def test_a_remitted_case_stands_again_under_appeal_since_the_remittal():
    """The UK case: the ICO's fine, set aside by the First-tier Tribunal, that decision
    itself set aside and the case sent back by the Upper Tribunal."""
    ftt = proceeding(1, Effect.OVERTURNED, datetime.date(2023, 10, 17))
    appeal = proceeding(2, Effect.APPEALED, datetime.date(2024, 1, 10))
    upper_tribunal = proceeding(3, Effect.REMITTED, datetime.date(2025, 10, 6))

    assert on(datetime.date(2023, 10, 16), ftt, appeal, upper_tribunal).standing == Standing.IN_FORCE
    assert on(datetime.date(2023, 10, 17), ftt, appeal, upper_tribunal).standing == Standing.OVERTURNED
    assert on(datetime.date(2025, 10, 5), ftt, appeal, upper_tribunal).standing == Standing.OVERTURNED
    result = on(datetime.date(2025, 10, 6), ftt, appeal, upper_tribunal)
    assert (result.standing, result.since) == (Standing.UNDER_APPEAL, upper_tribunal)
    assert result.in_effect


def test_a_second_appeal_keeps_the_date_of_the_first():
    first = proceeding(1, Effect.APPEALED, days_after(30))
    second = proceeding(2, Effect.APPEALED, days_after(400))

    result = on(LATER, first, second)

    assert (result.standing, result.since, result.last) == (Standing.UNDER_APPEAL, first, second)


@pytest.mark.parametrize(("status", "standing"), [("draft", Standing.DRAFT), ("withdrawn", Standing.WITHDRAWN)])
def test_a_draft_or_withdrawn_ruling_follows_its_status_whatever_its_proceedings(status, standing):
    proceedings = [proceeding(1, Effect.APPEALED, days_after(1)), proceeding(2, Effect.RESTORED, days_after(2))]

    result = on(LATER, *proceedings, status=status)

    assert (result.standing, result.in_effect) == (standing, False)


# --- Which proceedings count, and in which order ---------------------------------------


def test_a_draft_proceeding_does_not_count():
    draft = proceeding(1, Effect.OVERTURNED, days_after(10), status="draft")

    assert on(LATER, draft).standing == Standing.IN_FORCE


def test_only_proceedings_decided_on_or_before_the_date_count():
    overturned = proceeding(1, Effect.OVERTURNED, days_after(100))

    assert on(days_after(99), overturned).standing == Standing.IN_FORCE
    assert on(days_after(100), overturned).standing == Standing.OVERTURNED


def test_proceedings_apply_in_date_order_whatever_order_they_are_given_in():
    appeal = proceeding(2, Effect.APPEALED, days_after(10))
    upheld = proceeding(1, Effect.UPHELD, days_after(20))

    assert on(LATER, upheld, appeal).standing == Standing.IN_FORCE
    assert on(days_after(15), upheld, appeal).standing == Standing.UNDER_APPEAL


@pytest.mark.parametrize(
    ("overturned_id", "restored_id", "standing"),
    [(1, 2, Standing.IN_FORCE), (2, 1, Standing.OVERTURNED)],
)
def test_proceedings_of_the_same_day_apply_in_order_of_id(overturned_id, restored_id, standing):
    same_day = days_after(50)
    proceedings = [proceeding(restored_id, Effect.RESTORED, same_day), proceeding(overturned_id, Effect.OVERTURNED, same_day)]

    assert on(LATER, *proceedings).standing == standing
    assert on(LATER, *reversed(proceedings)).standing == standing


def test_an_unknown_effect_is_an_error_not_a_silent_standing():
    with pytest.raises(ValueError, match="reversed"):
        on(LATER, proceeding(1, "reversed", days_after(1)))


# --- The table, re-stated independently ------------------------------------------------

# What each effect does, whatever the standing before — except an appeal of an overturning.
AFTER = {
    "appealed": "under_appeal",
    "upheld": "in_force",
    "varied": "in_force",
    "overturned": "overturned",
    "restored": "in_force",
    "remitted": "under_appeal",
}


def expected_standing(status, proceedings, day):
    """SPEC §2 in a few lines: (standing, id of the proceeding that began it, id of the last)."""
    if status in ("draft", "withdrawn"):
        return status, None, None
    standing, since, last = "in_force", None, None
    counted = sorted((p for p in proceedings if p.status == "published" and p.decided_on <= day), key=lambda p: (p.decided_on, p.id))
    for p in counted:
        new = "overturned" if (standing, p.effect) == ("overturned", "appealed") else AFTER[p.effect]
        if new != standing:
            since = p.id
        standing, last = new, p.id
    return standing, since, last


FEW_DAYS = st.integers(min_value=0, max_value=12).map(days_after)
proceedings_strategy = st.lists(
    st.tuples(st.sampled_from(sorted(AFTER)), FEW_DAYS, st.sampled_from(["published", "published", "draft"])),
    max_size=8,
).flatmap(
    # Distinct ids, in an order unrelated to the dates or the list.
    lambda items: st.permutations(range(1, len(items) + 1)).map(
        lambda ids: [proceeding(pk, effect, day, status) for pk, (effect, day, status) in zip(ids, items)]
    )
)


@given(
    status=st.sampled_from(["published", "published", "draft", "withdrawn"]),
    proceedings=proceedings_strategy,
    day=FEW_DAYS,
)
def test_standing_on_agrees_with_the_table_of_the_spec(status, proceedings, day):
    result = standing_on(status=status, proceedings=proceedings, day=day)

    got = (
        str(result.standing),
        result.since.id if result.since is not None else None,
        result.last.id if result.last is not None else None,
    )
    assert got == expected_standing(status, proceedings, day)


# --- A stored ruling reads its stored proceedings --------------------------------------


@pytest.mark.django_db
def test_a_stored_rulings_standing_reads_its_published_proceedings_only():
    ruling = RulingFactory(decided_on=DECIDED)
    appeal = ProceedingFactory(ruling=ruling, effect=Effect.APPEALED, decided_on=days_after(30))
    ProceedingFactory(ruling=ruling, effect=Effect.OVERTURNED, decided_on=days_after(60), status=Proceeding.Status.DRAFT)

    ruling = Ruling.objects.get(pk=ruling.pk)

    assert ruling.standing == Standing.UNDER_APPEAL
    assert ruling.standing_on().since == appeal
    assert ruling.standing_on(days_after(29)).standing == Standing.IN_FORCE


@pytest.mark.django_db
def test_stored_proceedings_of_the_same_day_apply_in_the_order_they_were_recorded():
    ruling = RulingFactory(decided_on=DECIDED)
    ProceedingFactory(ruling=ruling, effect=Effect.OVERTURNED, decided_on=days_after(30))
    restored = ProceedingFactory(ruling=ruling, effect=Effect.RESTORED, decided_on=days_after(30))

    result = Ruling.objects.get(pk=ruling.pk).standing_on()

    assert (result.standing, result.since) == (Standing.IN_FORCE, restored)
