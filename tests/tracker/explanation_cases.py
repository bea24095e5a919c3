"""The records behind the pinned explanation sentences (tests/tracker/test_explanations.py).

Plain ORM, no pytest: the same cases are built in the test database and, for the SQLite
check, in a fresh SQLite database by ``python manage.py shell`` (see
:func:`print_explanations`), so the sentences of both databases can be compared.
"""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass, field

DECIDED = datetime.date(2022, 5, 18)
APPEALED = datetime.date(2022, 6, 13)

REGULATORS = {
    "national": ("Information Commissioner's Office", "GB"),
    "subnational": ("Hamburg Commissioner for Data Protection and Freedom of Information", "DE-HH"),
    "supranational": ("European Data Protection Board", "EU"),
}
# The agency each level's sentences are read for, and where it is.
AGENCIES = {
    "Metropolitan Police Service": ("GB", None),
    "Hamburg Police": ("DE", "DE-HH"),
    "Police nationale": ("FR", None),
    "Dutch National Police": ("NL", None),
}
AGENCY_OF_LEVEL = {"national": "Metropolitan Police Service", "subnational": "Hamburg Police", "supranational": "Police nationale"}


@dataclass(frozen=True)
class Case:
    key: str
    level: str
    agency: str
    concerns: str = "use"
    scope: str = "jurisdiction"
    outcome: str = "unlawful"
    decided_on: datetime.date = DECIDED
    precision: str = "day"
    # (body, effect, decided_on, precision, case_reference)
    proceedings: tuple = field(default=())
    # Proceedings recorded after the first recompute (so the flag was raised before).
    later: tuple = field(default=())
    # Read the flag's cleared_reason instead of its explanation.
    cleared: bool = False


def _matrix() -> list[Case]:
    cases = []
    for level in REGULATORS:
        for concerns, scope in (("use", "jurisdiction"), ("use", "agencies"), ("vendor", "jurisdiction")):
            for appeal in ("in_force", "under_appeal"):
                proceedings = (("High Court", "appealed", APPEALED, "day", ""),) if appeal == "under_appeal" else ()
                cases.append(
                    Case(
                        key=f"{concerns}/{level}/{scope}/{appeal}",
                        level=level,
                        agency=AGENCY_OF_LEVEL[level],
                        concerns=concerns,
                        scope=scope,
                        proceedings=proceedings,
                    )
                )
    return cases


CASES: list[Case] = [
    *_matrix(),
    Case("likely_unlawful/supranational/month", "supranational", "Police nationale", outcome="likely_unlawful",
         decided_on=datetime.date(2021, 2, 1), precision="month"),
    Case("unlawful/national/year", "national", "Metropolitan Police Service", decided_on=datetime.date(2021, 1, 1), precision="year"),
    Case("use/supranational/uk-before-exit", "supranational", "Metropolitan Police Service", decided_on=datetime.date(2019, 3, 1)),
    Case("use/supranational/article", "supranational", "Dutch National Police"),
    Case("use/national/appeal-month", "national", "Metropolitan Police Service",
         proceedings=(("Court of Appeal", "appealed", datetime.date(2022, 7, 1), "month", ""),)),
    Case("vendor/national/remitted", "national", "Metropolitan Police Service", concerns="vendor",
         proceedings=(
             ("First-tier Tribunal (General Regulatory Chamber)", "overturned", datetime.date(2023, 10, 17), "day", "[2023] UKFTT 819 (GRC)"),
             ("Upper Tribunal (Administrative Appeals Chamber)", "remitted", datetime.date(2025, 10, 6), "day", "[2025] UKUT 319 (AAC)"),
         )),
    Case("cleared/overturned", "national", "Metropolitan Police Service", concerns="vendor", cleared=True,
         later=(
             ("First-tier Tribunal (General Regulatory Chamber)", "overturned", datetime.date(2023, 10, 17), "day", "[2023] UKFTT 819 (GRC)"),
         )),
]  # fmt: skip


SOURCE = [{"url": "https://example.org/decision"}]


def _record(ruling, proceedings) -> None:
    from rulings.models import Proceeding

    for body, effect, decided_on, precision, reference in proceedings:
        Proceeding.objects.create(
            ruling=ruling, body=body, effect=effect, decided_on=decided_on, decided_on_precision=precision,
            case_reference=reference, sources=SOURCE, status="published",
        )  # fmt: skip


def build_cases() -> dict[str, tuple[int, int, bool]]:
    """Create the records; returns {case key: (agency id, ruling id, cleared)}."""
    from agencies.models import Agency
    from rulings.models import Regulator, Ruling

    regulators = {
        level: Regulator.objects.create(name=name, jurisdiction=code) for level, (name, code) in REGULATORS.items()
    }
    agencies = {
        name: Agency.objects.create(name=name, country_id=country, subdivision=subdivision, kind="police")
        for name, (country, subdivision) in AGENCIES.items()
    }
    built = {}
    for case in CASES:
        ruling = Ruling.objects.create(
            regulator=regulators[case.level],
            title=case.key,
            decided_on=case.decided_on,
            decided_on_precision=case.precision,
            outcome=case.outcome,
            concerns=case.concerns,
            scope=case.scope,
            sources=SOURCE,
            status="published",
        )
        if case.scope == "agencies":
            ruling.agencies.set([agencies[case.agency]])
        _record(ruling, case.proceedings)
        built[case.key] = (agencies[case.agency].pk, ruling.pk, case.cleared)
    return built


def record_later_proceedings(built: dict[str, tuple[int, int, bool]]) -> None:
    from rulings.models import Ruling

    for case in CASES:
        if case.later:
            _record(Ruling.objects.get(pk=built[case.key][1]), case.later)


def explanations(built: dict[str, tuple[int, int, bool]]) -> dict[str, str]:
    """{case key: the sentence stored for it} after a recompute."""
    from tracker.models import Flag

    sentences = {}
    for key, (agency_id, ruling_id, cleared) in built.items():
        flag = Flag.objects.get(agency_id=agency_id, ruling_id=ruling_id)
        assert flag.active is not cleared, key
        sentences[key] = flag.cleared_reason if cleared else flag.explanation
    return sentences


def computed_explanations() -> dict[str, str]:
    """Build the cases, recompute, record the later proceedings, recompute: the sentences."""
    from tracker.services import flags_recompute

    built = build_cases()
    flags_recompute()
    record_later_proceedings(built)
    flags_recompute()
    return explanations(built)


def print_explanations() -> None:
    """:func:`computed_explanations` as one line of JSON, leaving the database as it was."""
    from django.db import transaction

    with transaction.atomic():
        print(json.dumps(computed_explanations(), ensure_ascii=False, sort_keys=True))
        transaction.set_rollback(True)
