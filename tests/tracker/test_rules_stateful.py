"""Stateful property: whatever curators edit, the worker leaves the flags a full recompute would.

A hypothesis state machine makes random edits the way the admin and the API make them —
through the services, and the bloc memberships through the ORM as the admin's inline does:
agencies are added, move between countries and subdivisions and have their first use
corrected; rulings of any outcome, concerns, scope, status and date precision are recorded
and then republished, withdrawn, corrected, re-dated and re-scoped; proceedings of every
effect are recorded, published, unpublished and deleted; regulators move; countries join and
leave a test bloc. Writes that SPEC §2 forbids must be refused, and nothing else.

After every step the outbox is worked off with ``flags_process_pending`` (what the worker
does on the task each commit enqueues). Then the stored active flags must be exactly what
the reference rule (:func:`tracker.rules.reference_wanted_flags`) wants today, and a full
``flags_recompute`` must find nothing left to write.

The same machine runs on the default database and, in a child process, on SQLite.
"""

from __future__ import annotations

import datetime
import os
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import Permission, User
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import connection, transaction
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule, run_state_machine_as_test

from agencies.jurisdictions import MembershipSpan, covers
from agencies.models import Agency, Bloc, Membership
from agencies.services import agency_create, agency_update
from rulings.dates import period_end, period_start
from rulings.models import Proceeding, Regulator, Ruling
from rulings.services import (
    proceeding_change_status,
    proceeding_create,
    regulator_create,
    regulator_update,
    ruling_change_status,
    ruling_create,
    ruling_update,
)
from tests.tracker.test_rules_property import (
    DAY_LIST,
    DAYS,
    FIRST_USES,
    JURISDICTIONS,
    PLACES,
    PRECISIONS,
    agency_strategy,
    assert_consistent_flag_rows,
    proceeding_strategy,
    reference_now,
    stored_active,
)
from tracker.models import Flag, PendingRecompute
from tracker.services import flags_process_pending, flags_recompute

TEST_BLOC = "XB"
# Every regulator the machine may move a regulator to; the EU is the reference bloc.
REGULATOR_JURISDICTIONS = [*JURISDICTIONS, "EU"]
# Weighted towards what flags (published findings where the agencies are), so that most
# steps raise, clear or change a flag; the first values, which shrinking settles on, flag
# an agency in France.
RULING_JURISDICTIONS = st.sampled_from(["FR", "XB", "EU", "CA", "XB", "SE", "GB", "CA-ON", "XB", "EU", "GB-LND", "CA-QC"])
OUTCOMES = st.sampled_from(["unlawful", "likely_unlawful", "unlawful", "likely_unlawful", "lawful", "no_finding"])
CONCERNS = st.sampled_from(["use", "use", "vendor"])
SCOPES = st.sampled_from(["jurisdiction", "agencies"])
STATUSES = st.sampled_from(["published", "published", "published", "draft", "withdrawn"])
# (country, joined, left) in the test bloc: mostly joined on the first day and never left,
# so that most bloc rulings cover someone and a later change of membership matters.
MEMBERSHIP_COUNTRIES = ["CA", "FR", "SE", "GB"]
MEMBERSHIPS = st.tuples(
    st.sampled_from(MEMBERSHIP_COUNTRIES),
    st.sampled_from([DAY_LIST[0], DAY_LIST[0], *DAY_LIST[1:]]),
    st.sampled_from([None, None, *DAY_LIST]),
)
# Which of the candidate agencies a ruling lists (indices, taken modulo the candidates).
PICKS = st.sets(st.integers(min_value=0, max_value=7), min_size=1, max_size=3)
PICK = st.integers(min_value=0, max_value=31)
SOURCES = [{"url": "https://regulator.example.org/decision"}]

EXAMPLES = 25
STEPS = 15
MACHINE_SETTINGS = settings(
    max_examples=EXAMPLES,
    stateful_step_count=STEPS,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def empty_the_tracked_records() -> None:
    """Remove everything the machine writes, children first; countries and the EU stay."""
    Flag.objects.all().delete()
    PendingRecompute.objects.all().delete()
    Proceeding.objects.all().delete()
    Ruling.objects.all().delete()
    Agency.objects.all().delete()
    Regulator.objects.all().delete()
    Membership.objects.filter(bloc_id=TEST_BLOC).delete()
    Bloc.objects.filter(code=TEST_BLOC).delete()
    # Deleting proceedings and memberships asked for recomputes of what is now gone.
    PendingRecompute.objects.all().delete()


def publisher_account() -> User:
    """A curator who may write agencies, regulators, rulings and proceedings, and publish."""
    user, _ = User.objects.get_or_create(username="stateful-publisher", defaults={"email": "publisher@example.org"})
    user.user_permissions.add(*Permission.objects.filter(content_type__app_label__in=["agencies", "rulings"]))
    return User.objects.get(pk=user.pk)  # a fresh permission cache


def membership_spans() -> list[MembershipSpan]:
    return [MembershipSpan(m.bloc_id, m.country_id, m.joined, m.left) for m in Membership.objects.all()]


def agencies_outside(jurisdiction: str, on_date: datetime.date, agencies) -> list[Agency]:
    """The agencies that ``jurisdiction`` does not cover on ``on_date`` (by the reference predicate)."""
    spans = membership_spans()
    return [
        agency
        for agency in agencies
        if not covers(jurisdiction, country=agency.country_id, subdivision=agency.subdivision, on_date=on_date, memberships=spans)
    ]


def overlaps_another(membership: Membership) -> bool:
    """Whether the membership's span overlaps another of the same country in its bloc."""
    return any(
        (other.left is None or other.left >= membership.joined) and (membership.left is None or other.joined <= membership.left)
        for other in Membership.objects.filter(bloc_id=membership.bloc_id, country_id=membership.country_id).exclude(
            pk=membership.pk
        )
    )


@contextmanager
def refused_on(*fields: str):
    """The write inside must be refused with a ValidationError naming only ``fields``."""
    with pytest.raises(ValidationError) as refusal:
        yield
    assert set(refusal.value.message_dict) <= set(fields), refusal.value.message_dict
    event(f"refused: {', '.join(sorted(refusal.value.message_dict))}")


class CuratorEdits(RuleBasedStateMachine):
    """Random curator edits, each committed change followed by a pass of the worker."""

    def __init__(self):
        super().__init__()
        # Each example runs in its own transaction, rolled back in teardown; commit hooks
        # never fire, so the outbox is left for the worker pass of the invariant.
        self._example = transaction.atomic()
        self._example.__enter__()
        empty_the_tracked_records()
        Bloc.objects.create(code=TEST_BLOC, name="Example bloc")
        self.user = publisher_account()
        self.regulator_ids = [
            regulator_create(name=f"Regulator {code}", jurisdiction=code).pk for code in REGULATOR_JURISDICTIONS
        ]
        self.agency_ids: list[int] = []
        self.ruling_ids: list[int] = []
        self.proceeding_ids: list[int] = []

    def teardown(self):
        transaction.set_rollback(True)
        self._example.__exit__(None, None, None)

    # --- Looking records up -------------------------------------------------------------

    def agency(self, pick: int) -> Agency:
        return Agency.objects.get(pk=self.agency_ids[pick % len(self.agency_ids)])

    def ruling(self, pick: int) -> Ruling:
        return Ruling.objects.select_related("regulator").get(pk=self.ruling_ids[pick % len(self.ruling_ids)])

    def candidates(self, jurisdiction: str, on_date: datetime.date, picks) -> list[Agency]:
        """Agencies the jurisdiction covers on the date, chosen by ``picks`` (none if it covers none)."""
        agencies = list(Agency.objects.order_by("pk"))
        outside = {agency.pk for agency in agencies_outside(jurisdiction, on_date, agencies)}
        covered = [agency for agency in agencies if agency.pk not in outside]
        return list({covered[pick % len(covered)] for pick in picks}) if covered else []

    @staticmethod
    def lists_agencies_outside(ruling: Ruling) -> bool:
        """An agency-scoped ruling whose listed agencies have since moved out (or whose bloc
        membership changed): SPEC §2 refuses any edit of it that keeps that list."""
        if ruling.scope != Ruling.Scope.AGENCIES:
            return False
        return bool(agencies_outside(ruling.regulator.jurisdiction, ruling.decided_on, ruling.agencies.all()))

    # --- Setting the scene --------------------------------------------------------------

    @initialize(
        memberships=st.lists(MEMBERSHIPS, max_size=2),
        agencies=st.lists(agency_strategy, min_size=1, max_size=4),
        rulings=st.lists(
            st.tuples(RULING_JURISDICTIONS, DAYS, PRECISIONS, OUTCOMES, CONCERNS, SCOPES, STATUSES, PICKS), max_size=3
        ),
    )
    def curators_start_from_a_bloc_finding_and_a_few_records(self, memberships, agencies, rulings):
        # A bloc's finding that flags a French agency through France's membership, so that
        # edits of agencies, rulings and memberships alike find a flag to change.
        self.a_country_joins_the_test_bloc(("FR", DAY_LIST[0], None))
        self.a_curator_adds_an_agency(("FR", None), None)
        self.a_ruling_is_recorded(TEST_BLOC, DAY_LIST[1], "day", "unlawful", "use", "jurisdiction", "published", {0})
        for membership in memberships:
            self.a_country_joins_the_test_bloc(membership)
        for place, first_used in agencies:
            self.a_curator_adds_an_agency(place, first_used)
        for ruling in rulings:
            self.a_ruling_is_recorded(*ruling)

    # --- Agencies -----------------------------------------------------------------------

    @rule(place=st.sampled_from([*PLACES, (None, None)]), first_used=st.one_of(st.none(), FIRST_USES))
    def a_curator_adds_an_agency(self, place, first_used):
        country, subdivision = place
        agency = agency_create(
            name=f"Agency {len(self.agency_ids)}",
            country_id=country,
            subdivision=subdivision,
            kind="international" if country is None else "police",
            first_used=first_used,
            sources=SOURCES,
        )
        self.agency_ids.append(agency.pk)

    @precondition(lambda self: self.agency_ids)
    @rule(pick=PICK, place=st.sampled_from([*PLACES, (None, None)]))
    def an_agency_moves_to_another_place(self, pick, place):
        agency = self.agency(pick)
        country, subdivision = place
        kind = "international" if country is None else ("police" if agency.kind == "international" else agency.kind)
        agency_update(agency=agency, country_id=country, subdivision=subdivision, kind=kind)

    @precondition(lambda self: self.agency_ids)
    @rule(pick=PICK, first_used=st.one_of(st.none(), FIRST_USES))
    def an_agencys_first_use_is_corrected(self, pick, first_used):
        agency_update(agency=self.agency(pick), first_used=first_used)

    # --- Regulators ---------------------------------------------------------------------

    @rule(pick=PICK, jurisdiction=st.sampled_from(REGULATOR_JURISDICTIONS))
    def a_regulator_moves_to_another_jurisdiction(self, pick, jurisdiction):
        regulator = Regulator.objects.get(pk=self.regulator_ids[pick % len(self.regulator_ids)])
        stranded = [
            ruling
            for ruling in regulator.rulings.filter(scope=Ruling.Scope.AGENCIES)
            if agencies_outside(jurisdiction, ruling.decided_on, ruling.agencies.all())
        ]
        if stranded and jurisdiction != regulator.jurisdiction:
            with refused_on("jurisdiction"):
                regulator_update(regulator=regulator, user=self.user, jurisdiction=jurisdiction)
        else:
            regulator_update(regulator=regulator, user=self.user, jurisdiction=jurisdiction)

    # --- Rulings ------------------------------------------------------------------------

    @rule(
        jurisdiction=RULING_JURISDICTIONS,
        day=DAYS,
        precision=PRECISIONS,
        outcome=OUTCOMES,
        concerns=CONCERNS,
        scope=SCOPES,
        status=STATUSES,
        picks=PICKS,
    )
    def a_ruling_is_recorded(self, jurisdiction, day, precision, outcome, concerns, scope, status, picks):
        regulator = Regulator.objects.filter(pk__in=self.regulator_ids, jurisdiction=jurisdiction).first()
        if regulator is None:  # every regulator of that place has moved away
            regulator = Regulator.objects.get(pk=self.regulator_ids[0])
        decided_on = period_start(day, precision)
        if concerns == "vendor":  # a finding about the vendor covers its whole jurisdiction
            scope = "jurisdiction"
        listed = self.candidates(regulator.jurisdiction, decided_on, picks) if scope == "agencies" else []
        fields = dict(
            regulator=regulator,
            title=f"Ruling {len(self.ruling_ids)}",
            decided_on=decided_on,
            decided_on_precision=precision,
            outcome=outcome,
            concerns=concerns,
            scope=scope,
            status=status,
            sources=SOURCES,
        )
        if scope == "agencies" and not listed:
            with refused_on("agencies"):
                ruling_create(user=self.user, agencies=listed, **fields)
            return
        self.ruling_ids.append(ruling_create(user=self.user, agencies=listed, **fields).pk)
        event(f"ruling recorded: {scope}, {status}")

    @precondition(lambda self: self.ruling_ids)
    @rule(pick=PICK, status=st.sampled_from(Ruling.Status.values))
    def a_rulings_status_changes(self, pick, status):
        ruling = self.ruling(pick)
        if ruling.status == "draft" and status == "withdrawn":
            with refused_on("status"):
                ruling_change_status(ruling=ruling, status=status, user=self.user)
        elif self.lists_agencies_outside(ruling):
            with refused_on("agencies"):
                ruling_change_status(ruling=ruling, status=status, user=self.user)
        else:
            ruling_change_status(ruling=ruling, status=status, user=self.user)

    @precondition(lambda self: self.ruling_ids)
    @rule(pick=PICK, outcome=st.sampled_from(Ruling.Outcome.values))
    def a_rulings_outcome_is_corrected(self, pick, outcome):
        ruling = self.ruling(pick)
        if self.lists_agencies_outside(ruling):
            with refused_on("agencies"):
                ruling_update(ruling=ruling, user=self.user, outcome=outcome)
        else:
            ruling_update(ruling=ruling, user=self.user, outcome=outcome)

    @precondition(lambda self: self.ruling_ids)
    @rule(pick=PICK, concerns=st.sampled_from(Ruling.Concerns.values))
    def a_rulings_concerns_are_corrected(self, pick, concerns):
        ruling = self.ruling(pick)
        if concerns == "vendor" and ruling.scope == "agencies":
            # As the form requires: a finding about the vendor covers the whole jurisdiction.
            ruling_update(ruling=ruling, user=self.user, agencies=[], concerns=concerns, scope="jurisdiction")
        elif self.lists_agencies_outside(ruling):
            with refused_on("agencies"):
                ruling_update(ruling=ruling, user=self.user, concerns=concerns)
        else:
            ruling_update(ruling=ruling, user=self.user, concerns=concerns)

    @precondition(lambda self: self.ruling_ids)
    @rule(pick=PICK, scope=SCOPES, picks=PICKS)
    def a_rulings_scope_changes(self, pick, scope, picks):
        ruling = self.ruling(pick)
        if scope == "jurisdiction":
            ruling_update(ruling=ruling, user=self.user, agencies=[], scope=scope)
            return
        listed = self.candidates(ruling.regulator.jurisdiction, ruling.decided_on, picks)
        if not listed:
            with refused_on("agencies"):
                ruling_update(ruling=ruling, user=self.user, agencies=listed, concerns="use", scope=scope)
            return
        ruling_update(ruling=ruling, user=self.user, agencies=listed, concerns="use", scope=scope)

    @precondition(lambda self: self.ruling_ids)
    @rule(pick=PICK, picks=PICKS)
    def an_agency_scoped_rulings_list_changes(self, pick, picks):
        ruling = self.ruling(pick)
        if ruling.scope != "agencies":
            return
        listed = self.candidates(ruling.regulator.jurisdiction, ruling.decided_on, picks)
        if not listed:
            with refused_on("agencies"):
                ruling_update(ruling=ruling, user=self.user, agencies=listed)
            return
        ruling_update(ruling=ruling, user=self.user, agencies=listed)
        event("a ruling's list of agencies changed")

    @precondition(lambda self: self.ruling_ids)
    @rule(pick=PICK, day=DAYS, precision=PRECISIONS)
    def a_rulings_date_is_corrected(self, pick, day, precision):
        ruling = self.ruling(pick)
        decided_on = period_start(day, precision)
        before = [p for p in ruling.proceedings.all() if period_end(p.decided_on, p.decided_on_precision) < decided_on]
        if before:
            with refused_on("decided_on"):
                ruling_update(ruling=ruling, user=self.user, decided_on=decided_on, decided_on_precision=precision)
        elif ruling.scope == "agencies" and agencies_outside(ruling.regulator.jurisdiction, decided_on, ruling.agencies.all()):
            with refused_on("agencies"):
                ruling_update(ruling=ruling, user=self.user, decided_on=decided_on, decided_on_precision=precision)
        else:
            ruling_update(ruling=ruling, user=self.user, decided_on=decided_on, decided_on_precision=precision)

    # --- Proceedings --------------------------------------------------------------------

    @precondition(lambda self: self.ruling_ids)
    @rule(pick=PICK, proceeding=proceeding_strategy)
    def a_proceeding_is_recorded(self, pick, proceeding):
        ruling = self.ruling(pick)
        effect, days_after, precision, status = proceeding
        day = max(period_start(ruling.decided_on + datetime.timedelta(days=days_after), precision), ruling.decided_on)
        recorded = proceeding_create(
            user=self.user,
            ruling=ruling,
            body="A court",
            decided_on=day,
            decided_on_precision=precision if period_start(day, precision) == day else "day",
            effect=effect,
            sources=[{"url": "https://court.example.org/judgment"}],
            status=status,
        )
        self.proceeding_ids.append(recorded.pk)
        event(f"proceeding recorded: {effect}")

    @precondition(lambda self: self.proceeding_ids)
    @rule(pick=PICK)
    def a_proceeding_is_published_or_unpublished(self, pick):
        proceeding = Proceeding.objects.get(pk=self.proceeding_ids[pick % len(self.proceeding_ids)])
        status = "draft" if proceeding.status == "published" else "published"
        proceeding_change_status(proceeding=proceeding, status=status, user=self.user)

    @precondition(lambda self: self.proceeding_ids)
    @rule(pick=PICK)
    def a_proceeding_entered_by_mistake_is_deleted(self, pick):
        # The admin deletes with the ORM: no flag refers to a proceeding.
        Proceeding.objects.get(pk=self.proceeding_ids.pop(pick % len(self.proceeding_ids))).delete()

    # --- Bloc memberships (the admin's inline saves them with the model's validation) ---

    @staticmethod
    def save_membership(membership: Membership) -> None:
        """Save it as the bloc's inline does, which refuses a span overlapping another of
        the same country in the bloc."""
        if overlaps_another(membership):
            with refused_on(NON_FIELD_ERRORS):
                membership.full_clean()
            return
        membership.full_clean()
        membership.save()

    @rule(membership=MEMBERSHIPS)
    def a_country_joins_the_test_bloc(self, membership):
        country, joined, left = membership
        if left is not None and left < joined:
            joined, left = left, joined
        # The first of the countries, from the one drawn on, that was not a member then.
        countries = MEMBERSHIP_COUNTRIES[MEMBERSHIP_COUNTRIES.index(country) :] + MEMBERSHIP_COUNTRIES
        joining = [Membership(bloc_id=TEST_BLOC, country_id=code, joined=joined, left=left) for code in countries]
        self.save_membership(next((m for m in joining if not overlaps_another(m)), joining[0]))

    @precondition(lambda self: Membership.objects.filter(bloc_id=TEST_BLOC, left__isnull=True).exists())
    @rule(pick=PICK, left=DAYS)
    def a_country_leaves_the_test_bloc(self, pick, left):
        open_memberships = list(Membership.objects.filter(bloc_id=TEST_BLOC, left__isnull=True).order_by("pk"))
        membership = open_memberships[pick % len(open_memberships)]
        membership.left = max(left, membership.joined)
        self.save_membership(membership)

    @precondition(lambda self: Membership.objects.filter(bloc_id=TEST_BLOC).exists())
    @rule(pick=PICK, joined=DAYS, left=st.one_of(st.none(), DAYS))
    def a_memberships_dates_are_corrected(self, pick, joined, left):
        memberships = list(Membership.objects.filter(bloc_id=TEST_BLOC).order_by("pk"))
        membership = memberships[pick % len(memberships)]
        if left is not None and left < joined:
            joined, left = left, joined
        membership.joined, membership.left = joined, left
        self.save_membership(membership)

    @precondition(lambda self: Membership.objects.filter(bloc_id=TEST_BLOC).exists())
    @rule(pick=PICK)
    def a_membership_entered_by_mistake_is_removed(self, pick):
        memberships = list(Membership.objects.filter(bloc_id=TEST_BLOC).order_by("pk"))
        memberships[pick % len(memberships)].delete()

    # --- What must hold after every step --------------------------------------------------

    @invariant()
    def after_the_worker_runs_the_flags_are_what_a_full_recompute_stores(self):
        flags_process_pending()

        assert not PendingRecompute.objects.exists()
        assert stored_active() == reference_now()
        assert_consistent_flag_rows()
        assert flags_recompute().written == 0


def run_curator_edits(*, max_examples: int = EXAMPLES) -> None:
    """Run the machine (also from ``manage.py shell``, for the SQLite check)."""
    run_state_machine_as_test(CuratorEdits, settings=settings(MACHINE_SETTINGS, max_examples=max_examples))


@pytest.mark.django_db
def test_whatever_curators_edit_the_worker_leaves_the_flags_a_full_recompute_would():
    # Given a test bloc, a regulator per place and a curator who may publish
    # When agencies, regulators, rulings, proceedings and memberships are edited at random,
    #   and the worker works off the outbox after each edit
    # Then the active flags are those the reference rule wants today, and a full recompute writes nothing
    run_curator_edits()


def test_on_sqlite_the_worker_leaves_the_flags_a_full_recompute_would(tmp_path):
    """The embedded SQLite of `make run` keeps the same promise."""
    if connection.vendor == "sqlite":
        pytest.skip("this run is on SQLite: the test above already checks it")
    env = {key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    env.update(DATABASE_URL=f"sqlite:///{tmp_path / 'tracker.sqlite3'}", DJANGO_SETTINGS_MODULE="config.settings.test")

    def manage(*args):
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=Path(django_settings.BASE_DIR),
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )

    # Given a fresh SQLite database
    migrated = manage("migrate", "--noinput", "--skip-checks", "-v", "0")
    assert migrated.returncode == 0, migrated.stderr

    # When the same random edits are made there (fewer examples: it is the same machine)
    ran = manage(
        "shell", "-c", "from tests.tracker.test_rules_stateful import run_curator_edits; run_curator_edits(max_examples=12)"
    )

    # Then every step left the flags a full recompute would store
    assert ran.returncode == 0, f"{ran.stdout}\n{ran.stderr}"
