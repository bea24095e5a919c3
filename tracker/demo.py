"""Deterministic synthetic data at scale, for benchmarks and load tests (``generate_demo``).

The same sizes and seed always give the same rows (ids aside): every random choice comes
from a generator seeded with the seed and the section's name, and no choice depends on
the clock or on the database's state beyond the reference data installed by ``migrate``.

Every row is recognisable as demo data, so that it can be replaced without touching real
records: agencies and regulators are named ``Demo …`` (a demo regulator's rulings are demo
rulings), subscribers have addresses ``…@demo.example.org``, and the extra bloc is
``DEMO``. Rows are written with ``bulk_create`` in batches, so the number of queries grows
with the number of batches, never with the number of rows. ``bulk_create`` sends no
signals: the caller recomputes the flags once at the end (``flags_recompute``).

What the data covers, whatever the sizes (given at least the minimum sizes below):

* agencies in every country (one each before any country gets a second), about half of
  those in countries with ISO 3166-2 subdivisions placed in one, and one in a hundred
  international (no country);
* regulators of every level: national ones for many countries, subnational ones for
  subdivisions that hold agencies, supranational ones for the ``EU`` (installed by
  migration) and for the ``DEMO`` bloc created here, whose membership changes over time;
* rulings of every outcome, scope and status (the first eight show them all), about the
  vendor or about the use, dated to the day, the month or the year; a ruling of scope
  ``agencies`` lists one to five agencies that its regulator's jurisdiction covers on the
  ruling's date; ``first_used`` dates fall before and after ruling dates;
* proceedings on some of the rulings that are not drafts: every effect, in sequences
  that take a ruling under appeal, set it aside and restore it;
* confirmed subscribers, daily and weekly, with no filter, countries, regulators or both.
"""

from __future__ import annotations

import bisect
import datetime
import itertools
import random
from collections import defaultdict
from dataclasses import asdict, dataclass
from decimal import Decimal

import pycountry
from django.db import connection, transaction

from agencies.jurisdictions import MembershipSpan
from agencies.models import Agency, Bloc, Country, Membership
from rulings.dates import Precision, period_start
from rulings.models import Proceeding, Regulator, Ruling
from tracker.models import Digest, Flag, FlagDelivery, PendingRecompute, RulingDelivery, Subscription

DEMO_NAME_PREFIX = "Demo "
DEMO_EMAIL_DOMAIN = "demo.example.org"
DEMO_BLOC_CODE = "DEMO"
DEMO_BLOC_NAME = "Demo Economic Area"
DEMO_URL = f"https://{DEMO_EMAIL_DOMAIN}"

# Rows per INSERT statement.
BATCH_SIZE = 2000
MIN_AGENCIES = 10
# One regulator per level: national, subnational, the EU and the demo bloc.
MIN_REGULATORS = 4

# The demo world's calendar is fixed, so that the data does not depend on the day it is made.
DECIDED_FIRST = datetime.date(2018, 1, 1)
DECIDED_LAST = datetime.date(2026, 6, 30)
FIRST_USED_FIRST = datetime.date(2017, 1, 1)
FIRST_USED_LAST = datetime.date(2025, 12, 31)
STATUS_CHANGED_LAST = datetime.date(2026, 9, 30)
CONFIRMED_FIRST = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
CONFIRMED_SPAN_MINUTES = 181 * 24 * 60
PUBLISHED_AT_TIME = datetime.time(9, 0, tzinfo=datetime.UTC)

# Agencies per country follow a long tail: weight 1 / rank ** COUNTRY_SKEW.
COUNTRY_SKEW = 0.8
# Subdivisions of a country that its agencies are spread over (its first-level ones).
SUBDIVISIONS_PER_COUNTRY = 12
SUBDIVISION_SHARE = 0.5
INTERNATIONAL_EVERY = 100

AGENCY_KINDS = {
    Agency.Kind.POLICE: ("Police Service", 50),
    Agency.Kind.PROSECUTOR: ("Public Prosecutor's Office", 10),
    Agency.Kind.MINISTRY: ("Ministry of the Interior", 8),
    Agency.Kind.INTELLIGENCE: ("Intelligence Service", 5),
    Agency.Kind.MILITARY: ("Military Police", 4),
    Agency.Kind.UNIVERSITY: ("University", 12),
    Agency.Kind.PRIVATE: ("Security Contractor", 5),
    Agency.Kind.OTHER: ("Border Agency", 6),
}
INTERNATIONAL_SEATS = ["Lyon", "The Hague", "Geneva", "New York", "Vienna", "Brussels", "Warsaw", "Singapore"]

REGULATOR_BODIES = {
    "national": ["Data Protection Authority", "Privacy Commissioner", "Information Commissioner", "Ombudsman", "Administrative Court"],
    "subnational": ["Data Protection Commissioner", "Privacy Ombudsman", "Police Oversight Board"],
    "EU": ["European Data Protection Board", "European Data Protection Supervisor"],
    DEMO_BLOC_CODE: ["Data Protection Council", "Court of Justice"],
}
SUPRANATIONAL_SHARE = 0.01
SUBNATIONAL_SHARE = 0.2

OUTCOME_WEIGHTS = {
    Ruling.Outcome.UNLAWFUL: 35,
    Ruling.Outcome.LIKELY_UNLAWFUL: 25,
    Ruling.Outcome.LAWFUL: 20,
    Ruling.Outcome.NO_FINDING: 20,
}
STATUS_WEIGHTS = {
    Ruling.Status.PUBLISHED: 70,
    Ruling.Status.DRAFT: 15,
    Ruling.Status.WITHDRAWN: 7,
}
JURISDICTION_SCOPE_SHARE = 0.35
# Of the jurisdiction-wide rulings, those about the vendor's own practices.
VENDOR_SHARE = 0.4
PRECISION_WEIGHTS = {Precision.DAY: 80, Precision.MONTH: 15, Precision.YEAR: 5}
# Rulings (not drafts) that have proceedings, and the sequences their proceedings follow.
PROCEEDINGS_SHARE = 0.15
PROCEEDING_SEQUENCES = [
    (Proceeding.Effect.APPEALED,),
    (Proceeding.Effect.APPEALED, Proceeding.Effect.UPHELD),
    (Proceeding.Effect.APPEALED, Proceeding.Effect.VARIED),
    (Proceeding.Effect.OVERTURNED,),
    (Proceeding.Effect.OVERTURNED, Proceeding.Effect.APPEALED),
    (Proceeding.Effect.OVERTURNED, Proceeding.Effect.RESTORED),
    (Proceeding.Effect.APPEALED, Proceeding.Effect.OVERTURNED, Proceeding.Effect.REMITTED),
]
PROCEEDING_BODIES = ["Administrative Court", "Court of Appeal", "Supreme Court", "Tribunal"]
FINE_SHARE = 0.4
FINE_CURRENCIES = ["EUR", "GBP", "USD", "SEK", "CAD", "AUD"]
OUTCOME_WORDS = {
    Ruling.Outcome.UNLAWFUL: "found unlawful",
    Ruling.Outcome.LIKELY_UNLAWFUL: "likely unlawful, says guidance",
    Ruling.Outcome.LAWFUL: "found lawful",
    Ruling.Outcome.NO_FINDING: "closed without a finding",
}

# The first rulings show every level, outcome, status and scope, whatever the sizes:
# (regulator number, outcome, status, scope); regulators 0-3 are one per level.
SHOWCASE_RULINGS = [
    (0, Ruling.Outcome.UNLAWFUL, Ruling.Status.PUBLISHED, Ruling.Scope.JURISDICTION),
    (1, Ruling.Outcome.LIKELY_UNLAWFUL, Ruling.Status.PUBLISHED, Ruling.Scope.JURISDICTION),
    (2, Ruling.Outcome.UNLAWFUL, Ruling.Status.PUBLISHED, Ruling.Scope.JURISDICTION),
    (3, Ruling.Outcome.UNLAWFUL, Ruling.Status.PUBLISHED, Ruling.Scope.AGENCIES),
    (0, Ruling.Outcome.LAWFUL, Ruling.Status.DRAFT, Ruling.Scope.AGENCIES),
    (1, Ruling.Outcome.NO_FINDING, Ruling.Status.PUBLISHED, Ruling.Scope.AGENCIES),
    (2, Ruling.Outcome.LIKELY_UNLAWFUL, Ruling.Status.WITHDRAWN, Ruling.Scope.AGENCIES),
    (3, Ruling.Outcome.UNLAWFUL, Ruling.Status.PUBLISHED, Ruling.Scope.JURISDICTION),
]

SUBSCRIBER_FILTERS = ["none", "countries", "regulators", "both"]
SUBSCRIBER_FILTER_WEIGHTS = [40, 30, 15, 15]
DAILY_SHARE = 0.6


class DemoDataExists(Exception):
    """Demo rows are already in the database; replace them explicitly or leave them."""


@dataclass
class DemoCounts:
    agencies: int = 0
    regulators: int = 0
    rulings: int = 0
    ruling_agencies: int = 0
    proceedings: int = 0
    blocs: int = 0
    memberships: int = 0
    subscriptions: int = 0
    subscription_countries: int = 0
    subscription_regulators: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


@dataclass
class _AgencyIndex:
    """What the later sections need to know about the agencies, without the rows."""

    pks: list[int]
    by_country: dict[str, list[int]]
    by_subdivision: dict[str, list[int]]


def _stream(seed: int, section: str) -> random.Random:
    # One generator per section: changing one size leaves the other sections' data alone.
    return random.Random(f"{seed}:{section}")


def _day_between(rng: random.Random, first: datetime.date, last: datetime.date) -> datetime.date:
    return first + datetime.timedelta(days=rng.randrange((last - first).days + 1))


def _batches(rows, size: int = BATCH_SIZE):
    iterator = iter(rows)
    while batch := list(itertools.islice(iterator, size)):
        yield batch


def demo_exists() -> bool:
    """Whether any demo row (agency, regulator, subscriber or the demo bloc) is stored."""
    return (
        Agency.objects.filter(name__startswith=DEMO_NAME_PREFIX).exists()
        or Regulator.objects.filter(name__startswith=DEMO_NAME_PREFIX).exists()
        or Subscription.objects.filter(email__endswith=f"@{DEMO_EMAIL_DOMAIN}").exists()
        or Bloc.objects.filter(code=DEMO_BLOC_CODE).exists()
    )


@transaction.atomic
def demo_delete() -> dict[str, int]:
    """Delete every demo row and whatever refers to it (flags first: they protect their
    agencies and rulings); real records are untouched. Returns rows deleted per table.

    Written as set-based DELETE statements: the ORM's cascade would load every row and
    write a history record for each, which is wasted work for data that is thrown away.
    """
    agencies = f"SELECT id FROM {Agency._meta.db_table} WHERE name LIKE %s"
    regulators = f"SELECT id FROM {Regulator._meta.db_table} WHERE name LIKE %s"
    rulings = f"SELECT id FROM {Ruling._meta.db_table} WHERE regulator_id IN ({regulators})"
    subscriptions = f"SELECT id FROM {Subscription._meta.db_table} WHERE email LIKE %s"
    flags = f"SELECT id FROM {Flag._meta.db_table} WHERE agency_id IN ({agencies}) OR ruling_id IN ({rulings})"
    name, email = f"{DEMO_NAME_PREFIX}%", f"%@{DEMO_EMAIL_DOMAIN}"
    ruling_agencies = Ruling.agencies.through._meta.db_table
    subscription_countries = Subscription.countries.through._meta.db_table
    subscription_regulators = Subscription.regulators.through._meta.db_table
    statements = [
        (FlagDelivery._meta.db_table, f"flag_id IN ({flags}) OR subscription_id IN ({subscriptions})", [name, name, email]),
        (RulingDelivery._meta.db_table, f"ruling_id IN ({rulings}) OR subscription_id IN ({subscriptions})", [name, email]),
        (Digest._meta.db_table, f"subscription_id IN ({subscriptions})", [email]),
        (subscription_countries, f"subscription_id IN ({subscriptions})", [email]),
        (subscription_regulators, f"subscription_id IN ({subscriptions}) OR regulator_id IN ({regulators})", [email, name]),
        (Subscription._meta.db_table, "email LIKE %s", [email]),
        (Flag._meta.db_table, f"id IN ({flags})", [name, name]),
        (PendingRecompute._meta.db_table, f"agency_id IN ({agencies}) OR ruling_id IN ({rulings})", [name, name]),
        (ruling_agencies, f"agency_id IN ({agencies}) OR ruling_id IN ({rulings})", [name, name]),
        (Proceeding._meta.db_table, f"ruling_id IN ({rulings})", [name]),
        (Ruling._meta.db_table, f"regulator_id IN ({regulators})", [name]),
        (Regulator._meta.db_table, "name LIKE %s", [name]),
        (Agency._meta.db_table, "name LIKE %s", [name]),
        (Membership._meta.db_table, "bloc_id = %s", [DEMO_BLOC_CODE]),
        (Bloc._meta.db_table, "code = %s", [DEMO_BLOC_CODE]),
    ]
    deleted = {}
    with connection.cursor() as cursor:
        for table, where, params in statements:
            cursor.execute(f"DELETE FROM {table} WHERE {where}", params)
            deleted[table] = cursor.rowcount
    return deleted


@transaction.atomic
def demo_generate(*, agencies: int, regulators: int, rulings: int, subscribers: int, seed: int) -> DemoCounts:
    """Write a deterministic synthetic data set of the given sizes with bulk inserts.

    The same sizes and seed give the same rows. Raises :class:`DemoDataExists` when demo
    rows are already stored (see :func:`demo_delete`) and ValueError for sizes below the
    minimum. Sends no signals: flags are left for the caller to recompute once.
    """
    if agencies < MIN_AGENCIES or regulators < MIN_REGULATORS or rulings < 0 or subscribers < 0:
        raise ValueError(
            f"Sizes too small: at least {MIN_AGENCIES} agencies and {MIN_REGULATORS} regulators "
            "(one per jurisdiction level); rulings and subscribers may be 0."
        )
    if demo_exists():
        raise DemoDataExists("Demo data is already stored; delete it first (generate_demo --replace).")

    counts = DemoCounts()
    country_names = dict(Country.objects.order_by("code").values_list("code", "name"))
    index = _create_agencies(agencies, seed, country_names, counts)
    spans = _create_demo_bloc(seed, index, counts)
    spans += [
        MembershipSpan(m.bloc_id, m.country_id, m.joined, m.left)
        for m in Membership.objects.filter(bloc_id="EU").order_by("country_id", "joined")
    ]
    regulator_rows = _create_regulators(regulators, seed, index, country_names, counts)
    _create_rulings(rulings, seed, index, regulator_rows, spans, counts)
    _create_subscriptions(subscribers, seed, index, regulator_rows, counts)
    demo_refresh_statistics()
    return counts


def demo_refresh_statistics() -> None:
    """Have PostgreSQL's planner learn the new sizes of the tables bulk writes have filled.

    Until autovacuum gets round to it, the planner takes a table just filled with a
    hundred thousand rows for an empty one and may choose plans that cost seconds.
    """
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        # Never the flag table: analysed while still empty, it would mislead the first recompute.
        for model in (Agency, Regulator, Ruling, Ruling.agencies.through, Subscription):
            cursor.execute(f"ANALYZE {model._meta.db_table}")


def _country_order(rng: random.Random, codes: list[str]) -> list[str]:
    order = sorted(codes)
    rng.shuffle(order)
    return order


def _create_agencies(total: int, seed: int, country_names: dict[str, str], counts: DemoCounts) -> _AgencyIndex:
    rng = _stream(seed, "agencies")
    order = _country_order(rng, list(country_names))
    cumulative = list(itertools.accumulate(1 / (rank + 1) ** COUNTRY_SKEW for rank in range(len(order))))
    subdivisions = {}
    for code in sorted(country_names):
        first_level = sorted(
            (s.code, s.name) for s in pycountry.subdivisions.get(country_code=code) or () if s.parent_code is None
        )
        if first_level:
            subdivisions[code] = rng.sample(first_level, min(SUBDIVISIONS_PER_COUNTRY, len(first_level)))
    kinds = list(AGENCY_KINDS)
    kind_weights = list(itertools.accumulate(weight for _, weight in AGENCY_KINDS.values()))

    placed = []  # (country, subdivision, first_used) in creation order

    def rows():
        national = 0
        for number in range(1, total + 1):
            first_used = None if rng.random() < 0.1 else _day_between(rng, FIRST_USED_FIRST, FIRST_USED_LAST)
            last_used = None
            if first_used and rng.random() < 0.7:
                last_used = min(first_used + datetime.timedelta(days=rng.randrange(1000)), FIRST_USED_LAST)
            common = dict(
                searches=None if rng.random() < 0.2 else min(int(rng.paretovariate(1.1) * 5), 2_000_000),
                first_used=first_used,
                last_used=last_used,
                authorized=rng.choice((True, False, None)),
                paid=rng.choice((True, False, None)),
                sources=[f"{DEMO_URL}/agencies/{number}"],
            )
            if number % INTERNATIONAL_EVERY == INTERNATIONAL_EVERY // 2:
                seat = rng.choice(INTERNATIONAL_SEATS)
                placed.append((None, None))
                yield Agency(
                    name=f"{DEMO_NAME_PREFIX}International Police Organisation #{number}",
                    country=None,
                    subdivision=None,
                    kind=Agency.Kind.INTERNATIONAL,
                    notes=f"Seat: {seat}.",
                    **common,
                )
                continue
            # Every country gets an agency before any gets a second; then the long tail.
            if national < len(order):
                country = order[national]
            else:
                country = rng.choices(order, cum_weights=cumulative)[0]
            national += 1
            subdivision, place = None, country_names[country]
            if country in subdivisions and rng.random() < SUBDIVISION_SHARE:
                subdivision, place = rng.choice(subdivisions[country])
            kind = rng.choices(kinds, cum_weights=kind_weights)[0]
            placed.append((country, subdivision))
            yield Agency(
                name=f"{DEMO_NAME_PREFIX}{AGENCY_KINDS[kind][0]} of {place} #{number}",
                country_id=country,
                subdivision=subdivision,
                kind=kind,
                notes="",
                **common,
            )

    pks = []
    for batch in _batches(rows()):
        pks += [agency.pk for agency in Agency.objects.bulk_create(batch)]
    by_country, by_subdivision = defaultdict(list), defaultdict(list)
    for pk, (country, subdivision) in zip(pks, placed, strict=True):
        if country:
            by_country[country].append(pk)
        if subdivision:
            by_subdivision[subdivision].append(pk)
    counts.agencies = len(pks)
    return _AgencyIndex(pks=pks, by_country=dict(by_country), by_subdivision=dict(by_subdivision))


def _create_demo_bloc(seed: int, index: _AgencyIndex, counts: DemoCounts) -> list[MembershipSpan]:
    """A bloc whose membership changes within the rulings' years: a member that joins
    late and one that leaves, so what a ruling covers depends on its date."""
    rng = _stream(seed, "bloc")
    members = rng.sample(sorted(index.by_country), min(6, len(index.by_country)))
    founded = datetime.date(2010, 1, 1)
    spans = [MembershipSpan(DEMO_BLOC_CODE, code, founded, None) for code in members]
    if len(spans) >= 3:
        spans[-1] = MembershipSpan(DEMO_BLOC_CODE, members[-1], datetime.date(2021, 7, 1), None)
        spans[-2] = MembershipSpan(DEMO_BLOC_CODE, members[-2], founded, datetime.date(2022, 12, 31))
    Bloc.objects.bulk_create([Bloc(code=DEMO_BLOC_CODE, name=DEMO_BLOC_NAME)])
    Membership.objects.bulk_create(
        Membership(bloc_id=span.bloc, country_id=span.country, joined=span.joined, left=span.left) for span in spans
    )
    counts.blocs, counts.memberships = 1, len(spans)
    return spans


def _create_regulators(
    total: int, seed: int, index: _AgencyIndex, country_names: dict[str, str], counts: DemoCounts
) -> list[Regulator]:
    rng = _stream(seed, "regulators")
    countries = _country_order(rng, list(index.by_country))
    subdivisions = _country_order(rng, list(index.by_subdivision))
    # Cycle through the places so that regulators spread over as many as possible.
    next_country, next_subdivision = itertools.cycle(countries), itertools.cycle(subdivisions)
    blocs = itertools.cycle(["EU", DEMO_BLOC_CODE])
    regulators = []
    for number in range(1, total + 1):
        if number <= MIN_REGULATORS:
            level = ["national", "subnational", "EU", DEMO_BLOC_CODE][number - 1]
        else:
            draw = rng.random()
            level = (
                next(blocs) if draw < SUPRANATIONAL_SHARE else "subnational" if draw < SUPRANATIONAL_SHARE + SUBNATIONAL_SHARE else "national"
            )
        if level == "subnational" and not subdivisions:
            level = "national"
        if level == "national":
            jurisdiction = next(next_country)
            place = country_names[jurisdiction]
        elif level == "subnational":
            jurisdiction = next(next_subdivision)
            place = pycountry.subdivisions.get(code=jurisdiction).name
        else:
            jurisdiction = level
            place = None
        body = rng.choice(REGULATOR_BODIES[level])
        name = f"{DEMO_NAME_PREFIX}{body} of {place} #{number}" if place else f"{DEMO_NAME_PREFIX}{body} #{number}"
        regulators.append(
            Regulator(
                name=name,
                short_name=f"DEMO-{number}",
                jurisdiction=jurisdiction,
                website=f"{DEMO_URL}/regulators/{number}",
            )
        )
    created = []
    for batch in _batches(regulators):
        created += Regulator.objects.bulk_create(batch)
    counts.regulators = len(created)
    return created


def _pick_covered(
    rng: random.Random, regulator: Regulator, decided_on: datetime.date, index: _AgencyIndex, spans: list[MembershipSpan]
) -> list[int]:
    """One to five distinct agencies that the regulator's jurisdiction covers on the date."""
    code = regulator.jurisdiction
    if code in index.by_subdivision:
        pools = [index.by_subdivision[code]]
    elif code in index.by_country:
        pools = [index.by_country[code]]
    else:
        members = sorted({span.country for span in spans if span.bloc == code and span.holds_on(decided_on)})
        pools = [index.by_country[member] for member in members if member in index.by_country]
    bounds = list(itertools.accumulate(len(pool) for pool in pools))
    available = bounds[-1] if bounds else 0
    picked = []
    for position in sorted(rng.sample(range(available), min(rng.randint(1, 5), available))):
        pool = bisect.bisect_right(bounds, position)
        offset = position - (bounds[pool - 1] if pool else 0)
        picked.append(pools[pool][offset])
    return picked


def _create_rulings(
    total: int,
    seed: int,
    index: _AgencyIndex,
    regulators: list[Regulator],
    spans: list[MembershipSpan],
    counts: DemoCounts,
) -> None:
    rng = _stream(seed, "rulings")
    outcomes, outcome_weights = list(OUTCOME_WEIGHTS), list(itertools.accumulate(OUTCOME_WEIGHTS.values()))
    statuses, status_weights = list(STATUS_WEIGHTS), list(itertools.accumulate(STATUS_WEIGHTS.values()))
    precisions, precision_weights = list(PRECISION_WEIGHTS), list(itertools.accumulate(PRECISION_WEIGHTS.values()))
    rulings, listed, sequences = [], [], []
    shown = 0  # rulings given proceedings so far
    for number in range(1, total + 1):
        if number <= len(SHOWCASE_RULINGS):
            regulator_number, outcome, status, scope = SHOWCASE_RULINGS[number - 1]
            regulator = regulators[regulator_number]
        else:
            regulator = regulators[rng.randrange(len(regulators))]
            outcome = rng.choices(outcomes, cum_weights=outcome_weights)[0]
            status = rng.choices(statuses, cum_weights=status_weights)[0]
            scope = Ruling.Scope.JURISDICTION if rng.random() < JURISDICTION_SCOPE_SHARE else Ruling.Scope.AGENCIES
        decided_on = _day_between(rng, DECIDED_FIRST, DECIDED_LAST)
        agency_pks = _pick_covered(rng, regulator, decided_on, index, spans) if scope == Ruling.Scope.AGENCIES else []
        if scope == Ruling.Scope.AGENCIES and not agency_pks:
            scope = Ruling.Scope.JURISDICTION  # nobody to list in that jurisdiction on that date
        concerns = Ruling.Concerns.USE
        if scope == Ruling.Scope.JURISDICTION and rng.random() < VENDOR_SHARE:
            concerns = Ruling.Concerns.VENDOR
        precision = rng.choices(precisions, cum_weights=precision_weights)[0]
        decided_on = period_start(decided_on, precision)
        published_at = status_changed_at = None
        published_on = decided_on + datetime.timedelta(days=rng.randrange(1, 61))
        if status == Ruling.Status.DRAFT:
            status_changed_at = datetime.datetime.combine(decided_on, PUBLISHED_AT_TIME)
        else:
            published_at = status_changed_at = datetime.datetime.combine(published_on, PUBLISHED_AT_TIME)
            if status != Ruling.Status.PUBLISHED:
                changed_on = min(published_on + datetime.timedelta(days=rng.randrange(30, 400)), STATUS_CHANGED_LAST)
                status_changed_at = datetime.datetime.combine(changed_on, PUBLISHED_AT_TIME)
        fine_amount = fine_currency = None
        if outcome == Ruling.Outcome.UNLAWFUL and rng.random() < FINE_SHARE:
            fine_amount = Decimal(rng.randrange(1_000, 20_000_000, 500))
            fine_currency = rng.choice(FINE_CURRENCIES)
        rulings.append(
            Ruling(
                regulator=regulator,
                title=f"{DEMO_NAME_PREFIX}ruling {number}: facial-recognition searches in {regulator.jurisdiction} {OUTCOME_WORDS[outcome]}",
                decided_on=decided_on,
                decided_on_precision=precision,
                outcome=outcome,
                concerns=concerns,
                scope=scope,
                fine_amount=fine_amount,
                fine_currency=fine_currency,
                summary=f"Synthetic ruling {number} of the demo data set (seed {seed}), for benchmarks and load tests.",
                sources=[{"url": f"{DEMO_URL}/rulings/{number}"}],
                status=status,
                published_at=published_at,
                status_changed_at=status_changed_at,
            )
        )
        listed.append(agency_pks)
        sequence = ()
        if status != Ruling.Status.DRAFT:
            # The first rulings in force show every sequence; later ones draw one now and then.
            if shown < len(PROCEEDING_SEQUENCES):
                sequence = PROCEEDING_SEQUENCES[shown]
            elif rng.random() < PROCEEDINGS_SHARE:
                sequence = rng.choice(PROCEEDING_SEQUENCES)
        shown += bool(sequence)
        sequences.append(sequence)
    created = []
    for batch in _batches(rulings):
        created += Ruling.objects.bulk_create(batch)
    through = Ruling.agencies.through
    links = (
        through(ruling_id=ruling.pk, agency_id=agency_pk)
        for ruling, agency_pks in zip(created, listed, strict=True)
        for agency_pk in agency_pks
    )
    for batch in _batches(links):
        counts.ruling_agencies += len(through.objects.bulk_create(batch))
    counts.rulings = len(created)
    proceedings = []
    for ruling, sequence in zip(created, sequences, strict=True):
        day = ruling.decided_on
        for step, effect in enumerate(sequence):
            day = min(day + datetime.timedelta(days=rng.randrange(30, 400)), DECIDED_LAST)
            proceedings.append(
                Proceeding(
                    ruling=ruling,
                    body=f"{DEMO_NAME_PREFIX}{PROCEEDING_BODIES[step % len(PROCEEDING_BODIES)]}",
                    decided_on=day,
                    effect=effect,
                    fine_amount=ruling.fine_amount if effect == Proceeding.Effect.VARIED and ruling.fine_amount else None,
                    fine_currency=ruling.fine_currency if effect == Proceeding.Effect.VARIED and ruling.fine_amount else None,
                    summary=f"Synthetic proceeding on demo ruling {ruling.pk}.",
                    sources=[{"url": f"{DEMO_URL}/rulings/{ruling.pk}/proceedings/{step + 1}"}],
                    status=Proceeding.Status.PUBLISHED,
                    published_at=datetime.datetime.combine(day, PUBLISHED_AT_TIME),
                )
            )
    for batch in _batches(proceedings):
        counts.proceedings += len(Proceeding.objects.bulk_create(batch))


def _create_subscriptions(
    total: int, seed: int, index: _AgencyIndex, regulators: list[Regulator], counts: DemoCounts
) -> None:
    rng = _stream(seed, "subscriptions")
    countries = sorted(index.by_country)
    subscriptions, filters = [], []
    for number in range(1, total + 1):
        if number <= len(SUBSCRIBER_FILTERS):
            kind_of_filter = SUBSCRIBER_FILTERS[number - 1]
            frequency = Subscription.Frequency.DAILY if number % 2 else Subscription.Frequency.WEEKLY
        else:
            kind_of_filter = rng.choices(SUBSCRIBER_FILTERS, weights=SUBSCRIBER_FILTER_WEIGHTS)[0]
            frequency = Subscription.Frequency.DAILY if rng.random() < DAILY_SHARE else Subscription.Frequency.WEEKLY
        chosen_countries = chosen_regulators = []
        if kind_of_filter in ("countries", "both"):
            chosen_countries = rng.sample(countries, min(rng.randint(1, 3), len(countries)))
        if kind_of_filter in ("regulators", "both"):
            chosen_regulators = [regulators[i].pk for i in rng.sample(range(len(regulators)), min(rng.randint(1, 3), len(regulators)))]
        confirmed_at = CONFIRMED_FIRST + datetime.timedelta(minutes=rng.randrange(CONFIRMED_SPAN_MINUTES))
        requested_at = confirmed_at - datetime.timedelta(minutes=rng.randrange(5, 2880))
        subscriptions.append(
            Subscription(
                email=f"subscriber{number}@{DEMO_EMAIL_DOMAIN}",
                kind=Subscription.Kind.RULINGS,
                frequency=frequency,
                created_at=requested_at,
                confirmation_sent_at=requested_at,
                confirmed_at=confirmed_at,
            )
        )
        filters.append((chosen_countries, chosen_regulators))
    created = []
    for batch in _batches(subscriptions):
        created += Subscription.objects.bulk_create(batch)
    by_country = Subscription.countries.through
    by_regulator = Subscription.regulators.through
    country_links = (
        by_country(subscription_id=subscription.pk, country_id=code)
        for subscription, (codes, _) in zip(created, filters, strict=True)
        for code in codes
    )
    regulator_links = (
        by_regulator(subscription_id=subscription.pk, regulator_id=pk)
        for subscription, (_, pks) in zip(created, filters, strict=True)
        for pk in pks
    )
    for batch in _batches(country_links):
        counts.subscription_countries += len(by_country.objects.bulk_create(batch))
    for batch in _batches(regulator_links):
        counts.subscription_regulators += len(by_regulator.objects.bulk_create(batch))
    counts.subscriptions = len(created)

