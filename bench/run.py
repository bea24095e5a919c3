"""Run the benchmarks: ``make bench`` (or ``python bench/run.py [--only NAME ...]``).

Prepares a database of its own (``DATABASE_URL``, by default the local PostgreSQL's
``tracker_bench_data``): creates it if needed, migrates it, and fills it with the demo data
set of the benchmark's sizes (``generate_demo``) unless that is already there. Then runs
every ``bench/bench_*.py`` module's ``run()``, prints each figure with its baseline, ratio
and goal, and writes them all to ``bench/results.json``. Exits non-zero only when a
benchmark could not run; a missed goal is reported, not fatal.
"""

from __future__ import annotations

import argparse
import datetime
import importlib
import json
import math
import os
import platform
import re
import sys
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/tracker_bench_data")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
os.environ["DJANGO_DEBUG"] = "false"
os.environ.setdefault("DJANGO_SECRET_KEY", "bench")

# The data set every benchmark runs against.
DATASET = {"agencies": 100_000, "regulators": 1_000, "rulings": 10_000, "subscribers": 1_000, "seed": 1}
RESULTS_PATH = ROOT / "bench" / "results.json"
GOAL = re.compile(r"^\s*(<=|>=|<|>)\s*([0-9.]+)\s*$")


def ensure_dataset() -> dict:
    """Migrate, and generate the demo data set unless it is there with the right sizes."""
    from django.core.management import call_command

    from agencies.models import Agency
    from rulings.models import Regulator, Ruling
    from tracker.demo import DEMO_EMAIL_DOMAIN, DEMO_NAME_PREFIX, demo_refresh_statistics
    from tracker.models import Flag, Subscription

    call_command("migrate", interactive=False, verbosity=0)
    present = {
        "agencies": Agency.objects.filter(name__startswith=DEMO_NAME_PREFIX).count(),
        "regulators": Regulator.objects.filter(name__startswith=DEMO_NAME_PREFIX).count(),
        "rulings": Ruling.objects.filter(regulator__name__startswith=DEMO_NAME_PREFIX).count(),
        "subscribers": Subscription.objects.filter(email__endswith=f"@{DEMO_EMAIL_DOMAIN}").count(),
    }
    wanted = {name: size for name, size in DATASET.items() if name != "seed"}
    if present != wanted:
        print(f"Generating the demo data set {DATASET} (present: {present}); this takes a minute or two.")
        started = time.perf_counter()
        call_command("generate_demo", replace=True, **DATASET)
        print(f"Data set ready in {time.perf_counter() - started:.0f} s.")
    elif not Flag.objects.filter(agency__name__startswith=DEMO_NAME_PREFIX).exists():
        call_command("recompute_flags")
    demo_refresh_statistics()
    return {**present, "flags": Flag.objects.filter(active=True).count()}


def goal_met(row: dict) -> bool | None:
    match = GOAL.match(row.get("goal") or "")
    ratio = row.get("ratio")
    if not match or ratio is None or (isinstance(ratio, float) and math.isnan(ratio)):
        return None
    operator, bound = match.group(1), float(match.group(2))
    return {"<=": ratio <= bound, ">=": ratio >= bound, "<": ratio < bound, ">": ratio > bound}[operator]


def print_table(rows: list[dict]) -> None:
    header = ("benchmark", "value", "baseline", "ratio", "unit", "goal", "")
    lines = [header]
    for row in rows:
        met = goal_met(row)
        lines.append(
            (
                row["name"],
                _number(row.get("value")),
                _number(row.get("baseline")),
                _number(row.get("ratio")),
                row.get("unit") or "",
                row.get("goal") or "",
                "ok" if met else "MISSED" if met is False else "",
            )
        )
    widths = [max(len(str(line[i])) for line in lines) for i in range(len(header))]
    for number, line in enumerate(lines):
        print("  ".join(str(cell).rjust(w) if 0 < i < 4 else str(cell).ljust(w) for i, (cell, w) in enumerate(zip(line, widths))))
        if number == 0:
            print("  ".join("-" * w for w in widths))
    for row in rows:
        if row.get("note"):
            print(f"  {row['name']}: {row['note']}")


def _number(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.3g}" if abs(value) < 100 else f"{value:.0f}"
    return str(value)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", default=[], help="Run only these benchmarks (e.g. api site flags).")
    arguments = parser.parse_args()

    from bench.support import ensure_database

    ensure_database(os.environ["DATABASE_URL"])
    import django

    django.setup()
    dataset = ensure_dataset()
    print(f"Data set: {dataset}")

    modules = sorted(path.stem for path in (ROOT / "bench").glob("bench_*.py"))
    if arguments.only:
        modules = [name for name in modules if name.removeprefix("bench_") in arguments.only or name in arguments.only]
    rows, errors = [], []
    for name in modules:
        print(f"Running {name} ...", flush=True)
        started = time.perf_counter()
        try:
            module = importlib.import_module(f"bench.{name}")
            module_rows = list(module.run())
        except Exception:
            errors.append({"module": name, "error": traceback.format_exc()})
            print(f"{name} failed:\n{traceback.format_exc()}", file=sys.stderr)
            continue
        for row in module_rows:
            row.setdefault("module", name)
        rows += module_rows
        print(f"{name} done in {time.perf_counter() - started:.0f} s", flush=True)

    print()
    print_table(rows)
    # Keep the figures of benchmarks not run this time (``--only``), replacing the others.
    previous = json.loads(RESULTS_PATH.read_text()) if RESULTS_PATH.exists() else {}
    kept = [row for row in previous.get("results", []) if row.get("module") not in modules]
    RESULTS_PATH.write_text(
        json.dumps(
            {
                "run_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
                "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
                "dataset": {**DATASET, "stored": dataset},
                "results": kept + [{**row, "goal_met": goal_met(row)} for row in rows],
                "errors": errors,
            },
            indent=2,
            default=str,
        )
        + "\n"
    )
    print(f"\nWritten to {RESULTS_PATH.relative_to(ROOT)}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
