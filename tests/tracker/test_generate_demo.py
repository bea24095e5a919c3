import datetime
import io

import pycountry
import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext

from agencies.jurisdictions import Level, MembershipSpan, covers, level_of
from agencies.models import Agency, Country, Membership
from rulings.models import Proceeding, Regulator, Ruling
from tests.agencies.factories import AgencyFactory
from tests.rulings.factories import RegulatorFactory, RulingFactory
from tracker.demo import DEMO_BLOC_CODE, demo_delete, demo_generate
from tracker.models import Flag, Subscription
from tracker.services import flags_recompute

pytestmark = pytest.mark.django_db

SMALL = dict(agencies=300, regulators=40, rulings=120, subscribers=30, seed=7)


def demo_snapshot() -> dict:
    """Every demo row by its content (ids differ between databases, content must not)."""
    rulings = Ruling.objects.filter(regulator__name__startswith="Demo ").prefetch_related("agencies", "proceedings")
    subscriptions = Subscription.objects.filter(email__endswith="@demo.example.org").prefetch_related(
        "countries", "regulators"
    )
    return {
        "agencies": list(
            Agency.objects.filter(name__startswith="Demo ")
            .order_by("name")
            .values_list(
                "name", "country", "subdivision", "kind", "searches", "first_used", "last_used",
                "authorized", "paid", "notes", "sources",
            )
        ),
        "regulators": list(
            Regulator.objects.filter(name__startswith="Demo ")
            .order_by("name")
            .values_list("name", "short_name", "jurisdiction", "website")
        ),
        "memberships": list(
            Membership.objects.filter(bloc=DEMO_BLOC_CODE).order_by("country").values_list("country", "joined", "left")
        ),
        "rulings": sorted(
            (
                ruling.regulator.name, ruling.title, ruling.decided_on, ruling.outcome, ruling.scope,
                ruling.fine_amount, ruling.fine_currency, ruling.summary, ruling.sources, ruling.status,
                ruling.concerns, ruling.decided_on_precision,
                [(p.body, p.decided_on, p.effect, p.status) for p in ruling.proceedings.all()],
                ruling.published_at, ruling.status_changed_at, sorted(a.name for a in ruling.agencies.all()),
            )
            for ruling in rulings.select_related("regulator")
        ),
        "subscriptions": [
            (
                s.email, s.kind, s.frequency, s.created_at, s.confirmed_at, s.unsubscribed_at,
                sorted(c.code for c in s.countries.all()), sorted(r.name for r in s.regulators.all()),
            )
            for s in subscriptions
        ],
        "flags": sorted(
            Flag.objects.filter(agency__name__startswith="Demo ").values_list(
                "agency__name", "ruling__title", "severity", "timing", "active", "explanation"
            )
        ),
    }


def memberships() -> list[MembershipSpan]:
    return [MembershipSpan(m.bloc_id, m.country_id, m.joined, m.left) for m in Membership.objects.all()]


def test_the_same_seed_gives_the_same_rows_and_another_seed_other_rows():
    # given a first data set, with its flags
    demo_generate(**SMALL)
    flags_recompute()
    first = demo_snapshot()

    # when it is deleted and generated again from the same sizes and seed
    demo_delete()
    assert not Agency.objects.filter(name__startswith="Demo ").exists()
    demo_generate(**SMALL)
    flags_recompute()

    # then every row is the same, flags included
    assert demo_snapshot() == first
    assert len(first["agencies"]) == 300 and len(first["rulings"]) == 120 and first["flags"]

    # and another seed gives other data of the same sizes
    demo_delete()
    demo_generate(**{**SMALL, "seed": 8})
    other = demo_snapshot()
    assert other["agencies"] != first["agencies"]
    assert len(other["agencies"]) == 300


def test_the_data_covers_every_level_scope_outcome_status_and_filter():
    counts = demo_generate(**SMALL)
    flags_recompute()
    assert counts.agencies == 300 and counts.regulators == 40 and counts.rulings == 120 and counts.subscriptions == 30

    demo_agencies = Agency.objects.filter(name__startswith="Demo ")
    # agencies in every country, some in ISO 3166-2 subdivisions, some international
    assert set(Country.objects.values_list("code", flat=True)) <= set(demo_agencies.values_list("country", flat=True))
    assert demo_agencies.filter(kind=Agency.Kind.INTERNATIONAL, country__isnull=True).exists()
    subdivisions = set(demo_agencies.exclude(subdivision=None).values_list("subdivision", flat=True))
    assert len(subdivisions) > 10
    assert all(pycountry.subdivisions.get(code=code) is not None for code in subdivisions)

    # regulators of every level; subnational ones where agencies are; both blocs
    jurisdictions = list(Regulator.objects.filter(name__startswith="Demo ").values_list("jurisdiction", flat=True))
    assert {level_of(code) for code in jurisdictions} == set(Level)
    assert {"EU", DEMO_BLOC_CODE} <= set(jurisdictions)
    assert len({code for code in jurisdictions if level_of(code) is Level.NATIONAL}) > 10
    assert {code for code in jurisdictions if level_of(code) is Level.SUBNATIONAL} <= subdivisions
    # the demo bloc's membership changes within the rulings' years
    assert Membership.objects.filter(bloc=DEMO_BLOC_CODE, left__isnull=False).exists()
    assert Membership.objects.filter(bloc=DEMO_BLOC_CODE, joined__gt=datetime.date(2018, 1, 1)).exists()

    # rulings of every outcome, scope and status; published_at exactly for those in force
    rulings = Ruling.objects.filter(regulator__name__startswith="Demo ")
    assert set(rulings.values_list("outcome", flat=True)) == set(Ruling.Outcome.values)
    assert set(rulings.values_list("scope", flat=True)) == set(Ruling.Scope.values)
    assert set(rulings.values_list("status", flat=True)) == set(Ruling.Status.values)
    assert not rulings.filter(status=Ruling.Status.DRAFT, published_at__isnull=False).exists()
    assert not rulings.exclude(status=Ruling.Status.DRAFT).filter(published_at__isnull=True).exists()
    assert {level_of(code) for code in rulings.values_list("regulator__jurisdiction", flat=True)} == set(Level)
    # fines only with their currency
    assert rulings.filter(fine_amount__isnull=False, fine_currency__isnull=False).exists()
    # findings about the vendor and about the use, dated at every precision
    assert set(rulings.values_list("concerns", flat=True)) == set(Ruling.Concerns.values)
    assert set(rulings.values_list("decided_on_precision", flat=True)) == {"day", "month", "year"}
    # proceedings of every effect, never before their ruling, on rulings that are not drafts
    proceedings = Proceeding.objects.filter(ruling__in=rulings)
    assert set(proceedings.values_list("effect", flat=True)) == set(Proceeding.Effect.values)
    assert not proceedings.filter(decided_on__lt=F("ruling__decided_on")).exists()
    assert not proceedings.filter(ruling__status=Ruling.Status.DRAFT).exists()

    # flags of both severities, timings and bases, some under appeal, some cleared by an overturning
    flags = Flag.objects.filter(agency__name__startswith="Demo ")
    assert set(flags.values_list("severity", flat=True)) == set(Flag.Severity.values)
    assert set(flags.values_list("timing", flat=True)) == set(Flag.Timing.values)
    assert set(flags.values_list("basis", flat=True)) == set(Flag.Basis.values)
    assert flags.filter(under_appeal=True).exists()

    # confirmed subscribers, daily and weekly, with every kind of filter
    subscriptions = list(
        Subscription.objects.filter(email__endswith="@demo.example.org").prefetch_related("countries", "regulators")
    )
    assert all(s.is_active and s.kind == Subscription.Kind.RULINGS for s in subscriptions)
    assert {s.frequency for s in subscriptions} == set(Subscription.Frequency.values)
    shapes = {(bool(s.countries.all()), bool(s.regulators.all())) for s in subscriptions}
    assert shapes == {(False, False), (True, False), (False, True), (True, True)}


def test_listed_agencies_lie_in_the_regulators_jurisdiction_on_the_ruling_date():
    demo_generate(**{**SMALL, "rulings": 400})
    spans = memberships()

    listed = Ruling.agencies.through.objects.filter(ruling__regulator__name__startswith="Demo ").values_list(
        "ruling__scope", "ruling__regulator__jurisdiction", "ruling__decided_on", "agency__country", "agency__subdivision"
    )
    assert len(listed) > 100
    levels = set()
    for scope, code, decided_on, country, subdivision in listed:
        assert scope == Ruling.Scope.AGENCIES
        assert covers(code, country=country, subdivision=subdivision, on_date=decided_on, memberships=spans), (
            f"{country}/{subdivision} is outside {code} on {decided_on}"
        )
        levels.add(level_of(code))
    assert levels == set(Level)
    agencies_scope = Ruling.objects.filter(regulator__name__startswith="Demo ", scope=Ruling.Scope.AGENCIES)
    assert not agencies_scope.filter(agencies=None).exists()
    jurisdiction_scope = Ruling.objects.filter(regulator__name__startswith="Demo ", scope=Ruling.Scope.JURISDICTION)
    assert not jurisdiction_scope.exclude(agencies=None).exists()


def test_the_number_of_queries_does_not_grow_with_the_number_of_rows(django_assert_max_num_queries):
    with CaptureQueriesContext(connection) as small:
        demo_generate(agencies=20, regulators=5, rulings=12, subscribers=6, seed=1)
    demo_delete()

    with django_assert_max_num_queries(len(small)), CaptureQueriesContext(connection) as large:
        demo_generate(agencies=1500, regulators=300, rulings=1200, subscribers=400, seed=1)

    assert Agency.objects.filter(name__startswith="Demo ").count() == 1500
    assert len(large) == len(small) < 30


def test_the_command_computes_the_flags_once_at_the_end():
    stdout = io.StringIO()
    call_command("generate_demo", agencies=200, regulators=20, rulings=60, subscribers=10, seed=3, stdout=stdout)

    out = stdout.getvalue()
    raised = Flag.objects.filter(agency__name__startswith="Demo ", active=True).count()
    assert raised > 0
    assert f"Flags: raised {raised}, cleared 0" in out
    assert "agencies: 200" in out and "rulings: 60" in out and "Generated in" in out
    # the stored flags are what a full recompute wants: nothing left to change
    again = flags_recompute()
    assert again.written == 0


def test_the_command_refuses_to_add_to_existing_demo_data_unless_told_to_replace_it():
    # given demo data with flags, and a real flagged agency beside it
    real_agency = AgencyFactory(name="Toronto Police Service")
    real_ruling = RulingFactory(regulator=RegulatorFactory(name="Privacy Commissioner of Canada"))
    flags_recompute()
    call_command("generate_demo", agencies=200, regulators=20, rulings=60, subscribers=10, seed=3, stdout=io.StringIO())
    before = demo_snapshot()

    # when it is asked to generate again without --replace, it refuses and changes nothing
    with pytest.raises(CommandError, match="--replace"):
        call_command("generate_demo", agencies=50, regulators=5, rulings=10, subscribers=1, seed=3)
    assert demo_snapshot() == before

    # when told to replace it, the old demo rows (and their flags) go, the new ones come
    call_command(
        "generate_demo", agencies=50, regulators=5, rulings=10, subscribers=1, seed=3, replace=True, stdout=io.StringIO()
    )
    assert Agency.objects.filter(name__startswith="Demo ").count() == 50
    assert Regulator.objects.filter(name__startswith="Demo ").count() == 5
    assert Subscription.objects.filter(email__endswith="@demo.example.org").count() == 1
    assert demo_snapshot()["agencies"] != before["agencies"]
    assert flags_recompute().written == 0
    # and the real records and their flag are untouched
    assert Flag.objects.filter(agency=real_agency, ruling=real_ruling, active=True).exists()


def test_no_flags_leaves_the_computation_to_the_caller():
    stdout = io.StringIO()
    call_command("generate_demo", agencies=100, regulators=10, rulings=30, subscribers=0, seed=2, no_flags=True, stdout=stdout)

    assert "Flags not computed" in stdout.getvalue()
    assert not Flag.objects.exists()
    assert flags_recompute().raised > 0


@pytest.mark.parametrize(
    "sizes",
    [dict(agencies=5), dict(regulators=3), dict(rulings=-1)],
)
def test_sizes_below_the_minimum_are_refused_with_a_clear_message(sizes):
    with pytest.raises(CommandError, match="at least 10 agencies and 4 regulators"):
        call_command("generate_demo", **{"agencies": 100, "regulators": 10, **sizes})
    assert not Agency.objects.filter(name__startswith="Demo ").exists()
