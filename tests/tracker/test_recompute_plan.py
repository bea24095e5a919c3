"""The first full recompute on a fresh database must not turn quadratic.

PostgreSQL plans for the statistics it has. A flag table analysed while empty, then filled
by one statement that also reads it, gets a nested loop that rescans the pages it is
filling, once per row. The engine computes every difference before it writes, so no
statement that writes ``tracker_flag`` reads it; this test looks at the plans PostgreSQL
actually chooses for the engine's statements in that worst case.
"""

import datetime

import pytest
from django.db import connection

from agencies.models import Agency
from tests.agencies.factories import country
from tests.rulings.factories import RegulatorFactory, RulingFactory
from tracker.models import Flag
from tracker.services import flags_recompute

pytestmark = pytest.mark.django_db

WANTED_PAIRS = 50_000


class PlanRecorder:
    """An execute wrapper that asks PostgreSQL for the plan of every statement that writes
    the flag table, just before the engine runs it."""

    def __init__(self):
        self.plans: list[tuple[str, str]] = []

    def __call__(self, execute, sql, params, many, context):
        if not many and sql.lstrip().upper().startswith(("INSERT INTO TRACKER_FLAG", "UPDATE TRACKER_FLAG")):
            with context["connection"].cursor() as cursor:
                cursor.execute(f"EXPLAIN {sql}", params)
                self.plans.append((sql, "\n".join(row[0] for row in cursor.fetchall())))
        return execute(sql, params, many, context)


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def rescans_of_flags(sql: str, plan: str) -> list[str]:
    """What in a plan could rescan the flag table once per row.

    An INSERT into the flag table must not read it at all (it would read the pages it is
    filling); an UPDATE reads its own target, which is fine by index or hash, but never by
    a sequential scan repeated inside a nested loop.
    """
    lines = plan.splitlines()
    if sql.lstrip().upper().startswith("INSERT"):
        return [line.strip() for line in lines[1:] if " on tracker_flag" in line]
    found = []
    for index, line in enumerate(lines):
        if "Nested Loop" not in line:
            continue
        subtree = []
        for below in lines[index + 1 :]:
            if _indent(below) <= _indent(line):
                break
            subtree.append(below)
        children = [i for i, below in enumerate(subtree) if below.lstrip().startswith("->")]
        child_depth = min(_indent(subtree[i]) for i in children)
        direct = [i for i in children if _indent(subtree[i]) == child_depth]
        inner = subtree[direct[1] :] if len(direct) > 1 else []
        found += [f"{line.strip()} … {row.strip()}" for row in inner if "Seq Scan on tracker_flag" in row]
    return found


def test_a_first_recompute_into_an_analysed_empty_flag_table_plans_no_nested_loop_over_it():
    # Given 50,000 agencies of one country, a published finding covering them all, and a
    # flag table that PostgreSQL has analysed while it was empty
    canada = country("CA")
    Agency.objects.bulk_create(
        Agency(name=f"Police Service {number}", country=canada, kind=Agency.Kind.POLICE, first_used=datetime.date(2019, 1, 1))
        for number in range(WANTED_PAIRS)
    )
    RulingFactory(regulator=RegulatorFactory(jurisdiction="CA"))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE agencies_agency")
        cursor.execute("ANALYZE tracker_flag")
    recorder = PlanRecorder()

    # When the engine computes every flag from scratch
    with connection.execute_wrapper(recorder):
        result = flags_recompute()

    # Then every flag is raised, and no statement writing the table can rescan it per row
    assert result.raised == WANTED_PAIRS
    assert Flag.objects.filter(active=True).count() == WANTED_PAIRS
    assert any(sql.lstrip().upper().startswith("INSERT") for sql, _ in recorder.plans)
    offending = {sql: found for sql, plan in recorder.plans if (found := rescans_of_flags(sql, plan))}
    assert offending == {}
