"""Property: the set-based flag computation equals the per-pair reference of the rule."""

import datetime

import pytest
from django.db import transaction
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from agencies.jurisdictions import MembershipSpan
from agencies.models import Agency, Bloc, Membership
from rulings.models import Regulator, Ruling
from tracker.models import Flag
from tracker.rules import RuleAgency, RuleRuling, reference_wanted_flags
from tracker.services import flags_recompute

PLACES = [("CA", "CA-ON"), ("CA", "CA-QC"), ("CA", None), ("SE", None), ("GB", "GB-LND"), ("FR", None)]
JURISDICTIONS = ["CA", "CA-ON", "CA-QC", "SE", "GB", "GB-LND", "FR", "XB"]
# A few dates, so that rulings often fall exactly on accession, exit and first-use days.
DAYS = st.sampled_from([datetime.date(2019, 1, 1) + datetime.timedelta(days=30 * step) for step in range(4)])

agency_strategy = st.tuples(
    st.sampled_from(PLACES + [(None, None)]),  # (None, None): an international organisation
    st.one_of(st.none(), DAYS),
)
membership_strategy = st.tuples(st.sampled_from(["CA", "SE", "GB", "FR"]), DAYS, st.one_of(st.none(), DAYS))
# Weighted towards what flags (bloc codes, published, unlawful) so boundaries get hit.
ruling_strategy = st.tuples(
    st.sampled_from(JURISDICTIONS + ["XB"] * 4),
    DAYS,
    st.sampled_from(Ruling.Outcome.values + ["unlawful", "likely_unlawful"]),
    st.sampled_from(Ruling.Scope.values + ["jurisdiction"]),
    st.sampled_from(Ruling.Status.values + ["published"] * 3),
    st.sets(st.integers(min_value=0, max_value=7), max_size=3),
)


@pytest.mark.django_db
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@example(  # a bloc ruling on one member's exit day and another's accession day
    agencies=[(("SE", None), None), (("GB", None), datetime.date(2019, 3, 2))],
    memberships=[("SE", datetime.date(2019, 1, 1), datetime.date(2019, 3, 2)), ("GB", datetime.date(2019, 3, 2), None)],
    rulings=[("XB", datetime.date(2019, 3, 2), "unlawful", "jurisdiction", "published", set())],
)
@given(
    agencies=st.lists(agency_strategy, min_size=1, max_size=8),
    memberships=st.lists(membership_strategy, max_size=4),
    rulings=st.lists(ruling_strategy, min_size=1, max_size=6),
)
def test_set_based_computation_equals_reference(agencies, memberships, rulings):
    savepoint = transaction.savepoint()
    try:
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
        spans = [MembershipSpan(m.bloc_id, m.country_id, m.joined, m.left) for m in Membership.objects.filter(bloc=bloc)]
        regulators = {code: Regulator.objects.create(name=f"Regulator {code}", jurisdiction=code) for code in JURISDICTIONS}
        ruling_facts = []
        for index, (code, decided_on, outcome, scope, status, listed) in enumerate(rulings):
            ruling = Ruling.objects.create(
                regulator=regulators[code],
                title=f"Ruling {index}",
                decided_on=decided_on,
                outcome=outcome,
                scope=scope,
                status=status,
                published_at=None if status == "draft" else datetime.datetime(2022, 1, 1, tzinfo=datetime.UTC),
                source_url="https://example.org",
            )
            listed_ids = frozenset(agency_rows[i].pk for i in listed if i < len(agency_rows)) if scope == "agencies" else frozenset()
            ruling.agencies.set(listed_ids)
            ruling_facts.append(RuleRuling(ruling.pk, code, decided_on, outcome, scope, status, listed_ids))

        flags_recompute()

        expected = reference_wanted_flags(
            ruling_facts,
            [RuleAgency(a.pk, a.country_id, a.subdivision, a.first_used) for a in agency_rows],
            spans,
        )
        stored = {
            (flag.agency_id, flag.ruling_id): (flag.severity, flag.timing)
            for flag in Flag.objects.filter(active=True)
        }
        assert stored == expected
        assert flags_recompute().written == 0
    finally:
        transaction.savepoint_rollback(savepoint)
