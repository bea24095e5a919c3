"""Property: the set-based flag computation equals the per-pair reference of the rule.

Random agencies, bloc memberships, rulings of every outcome, status, concerns and date
precision, with proceedings of every effect and status; the flags ``flags_recompute``
stores must be exactly what :func:`tracker.rules.reference_wanted_flags` wants today —
and stay so when records are edited and only the touched rulings or agencies are
recomputed, as the signals ask.
"""

import datetime

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from agencies.jurisdictions import MembershipSpan
from agencies.models import Agency, Bloc, Membership
from rulings.dates import period_start
from rulings.models import Proceeding, Regulator, Ruling
from rulings.standing import Effect
from tracker.models import Flag
from tracker.rules import RuleAgency, RuleProceeding, RuleRuling, reference_wanted_flags
from tracker.services import flags_recompute

PLACES = [("FR", None), ("CA", "CA-ON"), ("CA", "CA-QC"), ("CA", None), ("SE", None), ("GB", "GB-LND")]
JURISDICTIONS = ["CA", "CA-ON", "CA-QC", "SE", "GB", "GB-LND", "FR", "XB"]
# A few dates, so that rulings often fall exactly on accession, exit and first-use days.
DAY_LIST = [datetime.date(2019, 1, 1) + datetime.timedelta(days=30 * step) for step in range(4)]
DAYS = st.sampled_from(DAY_LIST)
# First uses also fall inside the month or year of a ruling known only to the month or year.
FIRST_USES = st.sampled_from(DAY_LIST + [datetime.date(2019, 3, 15), datetime.date(2019, 4, 30), datetime.date(2019, 12, 31), datetime.date(2020, 1, 1)])
PRECISIONS = st.sampled_from(["day", "day", "month", "year"])
PUBLISHED_AT = datetime.datetime(2022, 1, 1, tzinfo=datetime.UTC)

agency_strategy = st.tuples(
    st.sampled_from(PLACES + [(None, None)]),  # (None, None): an international organisation
    st.one_of(st.none(), FIRST_USES),
)
membership_strategy = st.tuples(st.sampled_from(["FR", "SE", "GB", "CA"]), DAYS, st.one_of(st.none(), DAYS))
# (effect, days after the ruling, precision, status)
proceeding_strategy = st.tuples(
    st.sampled_from(Effect.values),
    st.sampled_from([0, 10, 40, 400, 0]),
    PRECISIONS,
    st.sampled_from(["published", "published", "draft"]),
)
# Weighted towards what flags (published, unlawful, places where agencies are, the bloc)
# so that most examples raise flags and the boundaries get hit; the simplest values first.
ruling_strategy = st.tuples(
    st.sampled_from(["XB", "CA", "FR", "CA-ON", "XB", "SE", "GB", "GB-LND", "CA-QC", "XB"]),
    DAYS,
    PRECISIONS,
    st.sampled_from(["unlawful", "likely_unlawful", "unlawful", "lawful", "no_finding", "likely_unlawful"]),
    st.sampled_from(["use", "vendor", "use"]),
    st.sampled_from(["jurisdiction", "agencies", "jurisdiction"]),
    st.sampled_from(["published", "published", "draft", "published", "withdrawn", "published"]),
    st.sets(st.integers(min_value=0, max_value=7), min_size=1, max_size=3),
    st.lists(proceeding_strategy, max_size=3),
)
edit_strategy = st.one_of(
    st.tuples(st.just("agency_place"), st.integers(0, 7), st.sampled_from(PLACES + [(None, None)])),
    st.tuples(st.just("agency_first_used"), st.integers(0, 7), st.one_of(st.none(), FIRST_USES)),
    st.tuples(st.just("ruling_status"), st.integers(0, 5), st.sampled_from(Ruling.Status.values)),
    st.tuples(st.just("ruling_outcome"), st.integers(0, 5), st.sampled_from(Ruling.Outcome.values)),
    st.tuples(st.just("ruling_concerns"), st.integers(0, 5), st.sampled_from(["use", "vendor"])),
    st.tuples(st.just("ruling_agencies"), st.integers(0, 5), st.sets(st.integers(0, 7), max_size=3)),
    st.tuples(st.just("add_proceeding"), st.integers(0, 5), proceeding_strategy),
    st.tuples(st.just("toggle_proceeding"), st.integers(0, 5), st.integers(0, 3)),
)


# --- Building the records -------------------------------------------------------------


def create_records(agencies, memberships, rulings):
    bloc = Bloc.objects.create(code="XB", name="Example bloc")
    agency_rows = [
        Agency.objects.create(
            name=f"Agency {index}",
            country_id=country,
            subdivision=subdivision,
            kind="international" if country is None else "police",
            first_used=first_used,
        )
        for index, ((country, subdivision), first_used) in enumerate(agencies)
    ]
    for country, joined, left in memberships:
        if left is not None and left < joined:
            joined, left = left, joined
        Membership.objects.get_or_create(bloc=bloc, country_id=country, joined=joined, defaults={"left": left})
    regulators = {code: Regulator.objects.create(name=f"Regulator {code}", jurisdiction=code) for code in JURISDICTIONS}
    ruling_rows = []
    for index, (code, day, precision, outcome, concerns, scope, status, listed, proceedings) in enumerate(rulings):
        if concerns == "vendor":
            scope = "jurisdiction"
        ruling = Ruling.objects.create(
            regulator=regulators[code],
            title=f"Ruling {index}",
            decided_on=period_start(day, precision),
            decided_on_precision=precision,
            outcome=outcome,
            concerns=concerns,
            scope=scope,
            status=status,
            published_at=None if status == "draft" else PUBLISHED_AT,
            sources=[{"url": "https://example.org"}],
        )
        if scope == "agencies":
            ruling.agencies.set([agency_rows[i] for i in listed if i < len(agency_rows)])
        for proceeding in proceedings:
            add_proceeding(ruling, proceeding)
        ruling_rows.append(ruling)
    return agency_rows, ruling_rows


def add_proceeding(ruling, spec):
    effect, days_after, precision, status = spec
    day = max(period_start(ruling.decided_on + datetime.timedelta(days=days_after), precision), ruling.decided_on)
    return Proceeding.objects.create(
        ruling=ruling,
        body="A court",
        decided_on=day,
        decided_on_precision=precision if period_start(day, precision) == day else "day",
        effect=effect,
        fine_amount=None,
        sources=[{"url": "https://example.org/judgment"}],
        status=status,
    )


# --- The reference, read back from the records ----------------------------------------


def reference_now():
    """What the reference rule wants today, from the records as stored."""
    spans = [MembershipSpan(m.bloc_id, m.country_id, m.joined, m.left) for m in Membership.objects.filter(bloc_id="XB")]
    spans += [MembershipSpan(m.bloc_id, m.country_id, m.joined, m.left) for m in Membership.objects.exclude(bloc_id="XB")]
    rulings = [
        RuleRuling(
            id=ruling.pk,
            jurisdiction=ruling.regulator.jurisdiction,
            decided_on=ruling.decided_on,
            outcome=ruling.outcome,
            scope=ruling.scope,
            status=ruling.status,
            agency_ids=frozenset(a.pk for a in ruling.agencies.all()),
            concerns=ruling.concerns,
            decided_on_precision=ruling.decided_on_precision,
            proceedings=tuple(
                RuleProceeding(p.pk, p.decided_on, p.effect, p.status, p.decided_on_precision) for p in ruling.proceedings.all()
            ),
        )
        for ruling in Ruling.objects.select_related("regulator").prefetch_related("agencies", "proceedings")
    ]
    agencies = [RuleAgency(a.pk, a.country_id, a.subdivision, a.first_used) for a in Agency.objects.all()]
    wanted = reference_wanted_flags(rulings, agencies, spans, day=timezone.localdate())
    return {pair: (w.severity, w.timing, w.basis, w.under_appeal) for pair, w in wanted.items()}


def stored_active():
    stored = {
        (flag.agency_id, flag.ruling_id): (flag.severity, flag.timing, flag.basis, flag.under_appeal)
        for flag in Flag.objects.filter(active=True)
    }
    # What the examples covered (pytest --hypothesis-show-statistics).
    event(f"active flags: {'none' if not stored else '1-2' if len(stored) < 3 else '3 or more'}")
    for severity, timing, basis, under_appeal in set(stored.values()):
        event(f"active flag: {basis}, {timing}{', under appeal' if under_appeal else ''}")
    if Flag.objects.filter(active=False).exists():
        event("a cleared flag")
    return stored


def assert_consistent_flag_rows():
    """Cleared flags say why; active ones have nothing to say."""
    assert not Flag.objects.filter(active=False, cleared_reason="").exists()
    assert not Flag.objects.filter(active=True).exclude(cleared_reason="").exists()
    for flag in Flag.objects.filter(active=True):
        assert flag.explanation.endswith(".") and flag.explanation.startswith("The Regulator ")
        assert ("; under appeal since " in flag.explanation) == flag.under_appeal


# --- Edits, each followed by the recompute its signal asks for --------------------------


def apply_edit(edit, agency_rows, ruling_rows):
    """Make one edit as a curator would; return the scoped recompute it calls for."""
    kind, index, value = edit
    if kind.startswith("agency"):
        agency = agency_rows[index % len(agency_rows)]
        if kind == "agency_place":
            agency.country_id, agency.subdivision = value
            agency.kind = "international" if value[0] is None else "police"
        else:
            agency.first_used = value
        agency.save()
        return {"agency_ids": [agency.pk]}
    ruling = ruling_rows[index % len(ruling_rows)]
    if kind == "ruling_status":
        if value != "draft" and ruling.published_at is None:
            ruling.published_at = PUBLISHED_AT
        ruling.status = value
        ruling.save()
    elif kind == "ruling_outcome":
        ruling.outcome = value
        ruling.save()
    elif kind == "ruling_concerns":
        ruling.concerns = value
        if value == "vendor" and ruling.scope == "agencies":
            ruling.scope = "jurisdiction"
            ruling.agencies.clear()
        ruling.save()
    elif kind == "ruling_agencies":
        if ruling.scope == "agencies":
            ruling.agencies.set([agency_rows[i] for i in value if i < len(agency_rows)])
    elif kind == "add_proceeding":
        add_proceeding(ruling, value)
    elif kind == "toggle_proceeding":
        proceedings = list(ruling.proceedings.all())
        if proceedings:
            proceeding = proceedings[value % len(proceedings)]
            proceeding.status = "draft" if proceeding.status == "published" else "published"
            proceeding.save()
    return {"ruling_ids": [ruling.pk]}


# --- The properties -------------------------------------------------------------------


@pytest.mark.django_db
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@example(  # a bloc ruling on one member's exit day and another's accession day
    agencies=[(("SE", None), None), (("GB", None), datetime.date(2019, 3, 2))],
    memberships=[("SE", datetime.date(2019, 1, 1), datetime.date(2019, 3, 2)), ("GB", datetime.date(2019, 3, 2), None)],
    rulings=[("XB", datetime.date(2019, 3, 2), "day", "unlawful", "use", "jurisdiction", "published", set(), [])],
)
@example(  # overturned, appealed (still overturned), then remitted: under appeal again
    agencies=[(("FR", None), datetime.date(2019, 3, 15))],
    memberships=[("FR", datetime.date(2019, 1, 1), None)],
    rulings=[(
        "XB", datetime.date(2019, 3, 2), "month", "unlawful", "vendor", "jurisdiction", "published", set(),
        [("overturned", 10, "day", "published"), ("appealed", 40, "day", "published"), ("remitted", 400, "month", "published")],
    )],
)  # fmt: skip
@given(
    agencies=st.lists(agency_strategy, min_size=2, max_size=8),
    memberships=st.lists(membership_strategy, min_size=1, max_size=4),
    rulings=st.lists(ruling_strategy, min_size=2, max_size=6),
)
def test_set_based_computation_equals_reference(agencies, memberships, rulings):
    savepoint = transaction.savepoint()
    try:
        create_records(agencies, memberships, rulings)

        flags_recompute()

        assert stored_active() == reference_now()
        assert_consistent_flag_rows()
        assert flags_recompute().written == 0
    finally:
        transaction.savepoint_rollback(savepoint)


@pytest.mark.django_db
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    agencies=st.lists(agency_strategy, min_size=2, max_size=8),
    memberships=st.lists(membership_strategy, min_size=1, max_size=3),
    rulings=st.lists(ruling_strategy, min_size=2, max_size=6),
    edits=st.lists(edit_strategy, min_size=1, max_size=6),
)
def test_scoped_recomputes_after_edits_equal_a_full_recompute(agencies, memberships, rulings, edits):
    savepoint = transaction.savepoint()
    try:
        agency_rows, ruling_rows = create_records(agencies, memberships, rulings)
        flags_recompute()

        for edit in edits:
            flags_recompute(**apply_edit(edit, agency_rows, ruling_rows))

        # The scoped recomputes left exactly what the rule wants, and a full one has nothing to do.
        assert stored_active() == reference_now()
        assert_consistent_flag_rows()
        before = list(Flag.objects.order_by("pk").values())
        assert flags_recompute().written == 0
        assert list(Flag.objects.order_by("pk").values()) == before
    finally:
        transaction.savepoint_rollback(savepoint)
