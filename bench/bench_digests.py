"""Digests delivered by a real Celery worker to a local SMTP sink, against a plain loop.

The data: ``generate_demo`` with 100,000 confirmed subscribers (no filter, countries,
regulators or both), 2,000 agencies, 100 regulators and 300 rulings, in a database of its
own (``tracker_bench_digests``), plus 50 newly published rulings (copies of published demo
rulings of every level and scope, their flags computed) that are new for every subscriber.
Each daily run covers a slice of the subscribers (the others are weekly subscribers, still
confirmed and in the tables). About three in five subscribers are owed an email, most of
those listing all 50 rulings with the agencies they flag.

1. **Emails per second.** One Celery worker (prefork pool, one process) on Redis db 9 runs
   the batches that the daily run (``digests_dispatch``, which ``send_digests`` and beat
   call) queues, and sends over SMTP to an aiosmtpd sink on loopback, in a process of its
   own, that counts messages and discards them. Timed from the dispatch to the sink's
   receipt of the last digest. Baseline: one process renders the same emails with the
   digest code's own ``digest_message`` and sends them over one SMTP connection to the same
   sink; its contents are loaded before its clock starts, and it has no selection, ledger,
   row locks or queue. The two alternate over ROUNDS slices of SLICE subscribers (one
   batch each), each going first every other round, so that both see the same load on
   the machine. Goal: the worker reaches 0.8 times the loop's rate.
2. **Peak worker memory**, flat in the number of subscribers: the pool process's VmHWM
   after all the rounds (ROUNDS x SLICE subscribers) against a fresh worker's after one
   run of a tenth of that. Goal <= 1.25.
3. **Queries per batch**, bounded: building and reading one batch's digests at 50 and at
   500 subscribers (in one process, with Django's query capture). Goal: the same number.
   Sending then costs a fixed number per email: the digest's row lock and its status
   update, in the transaction that holds the lock while the SMTP server accepts it.
"""

from __future__ import annotations

import math
import os
import statistics

from . import digests_support as digests
from . import support

# Subscribers per round and rounds; the environment may change them.
SLICE = int(os.environ.get("BENCH_DIGESTS_SLICE", "500"))
ROUNDS = int(os.environ.get("BENCH_DIGESTS_ROUNDS", "6"))
SMALL = max(SLICE * ROUNDS // 10, 1)
QUERY_BATCH_SIZES = (50, 500)
RUN_TIMEOUT = 600
POOL = "prefork"


def _worker_run(sink: digests.Sink) -> dict:
    """One daily run, of the subscribers the last reset made daily, by the running worker."""
    before = sink.status()
    dispatch = digests.command("dispatch", smtp_port=sink.port)
    after = sink.wait_for_sentinels(before["sentinels"] + 1, timeout=RUN_TIMEOUT)
    emails = after["count"] - before["count"]
    return {
        "batches": dispatch["batches"],
        "emails": emails,
        "bytes": after["bytes"] - before["bytes"],
        "connections": after["connections"] - before["connections"],
        "seconds": after["last"] - dispatch["started"] if emails else 0.0,
    }


def _loop_run(sink: digests.Sink, *, sample: int, offset: int) -> dict:
    before = sink.status()
    loop = digests.command("baseline", "--sample", str(sample), "--offset", str(offset), smtp_port=sink.port)
    received = sink.status()["count"] - before["count"]
    if received != loop["emails"]:
        raise RuntimeError(f"the loop sent {loop['emails']} emails, the sink received {received}")
    return loop


def _pool_kb(worker: digests.Worker, field_name: str) -> int:
    """A memory figure of the pool process doing the work (the process itself with solo)."""
    figures = worker.memory_kb(field_name)
    pool = list(figures)[1:] or list(figures)
    return max(figures[pid] for pid in pool)


def _total(runs: list[dict], key: str) -> float:
    return sum(run[key] for run in runs)


def run() -> list[dict]:
    digests.ensure_database(digests.database_url())
    prepared = digests.command("prepare")
    worker_runs, loop_runs = [], []
    with digests.smtp_sink() as sink:
        with digests.celery_worker(smtp_port=sink.port, name="small", pool=POOL) as worker:
            digests.command("reset", "--sample", str(SMALL))
            small = _worker_run(sink)
            small_peak_kb = _pool_kb(worker, "VmHWM")
        with digests.celery_worker(smtp_port=sink.port, name="rounds", pool=POOL) as worker:
            idle_kb = _pool_kb(worker, "VmRSS")
            for round_number in range(ROUNDS):
                offset = round_number * SLICE
                reset = digests.command("reset", "--sample", str(SLICE), "--offset", str(offset))
                # Which goes first alternates, so that a drift in the machine's load evens out.
                if round_number % 2 == 0:
                    worker_run = _worker_run(sink)
                    loop_run = _loop_run(sink, sample=SLICE, offset=offset)
                else:
                    loop_run = _loop_run(sink, sample=SLICE, offset=offset)
                    worker_run = _worker_run(sink)
                if loop_run["emails"] != worker_run["emails"]:
                    raise RuntimeError(f"round {round_number}: worker sent {worker_run['emails']}, loop {loop_run['emails']}")
                worker_runs.append({**worker_run, "filters": reset["filters"]})
                loop_runs.append(loop_run)
            peak_kb = _pool_kb(worker, "VmHWM")
    digests.command("reset", "--sample", str(sum(QUERY_BATCH_SIZES)))
    queries = digests.command("queries", "--sizes", *map(str, QUERY_BATCH_SIZES))
    digests.command("reset", "--sample", "0")

    emails = int(_total(worker_runs, "emails"))
    worker_seconds, loop_seconds = _total(worker_runs, "seconds"), _total(loop_runs, "seconds")
    subscribers = SLICE * ROUNDS
    round_ratios = sorted(
        (worker_run["emails"] / worker_run["seconds"]) / (loop_run["emails"] / loop_run["seconds"])
        for worker_run, loop_run in zip(worker_runs, loop_runs, strict=True)
        if worker_run["emails"] and loop_run["seconds"]
    )
    filters = {name: sum(run["filters"][name] for run in worker_runs) for name in worker_runs[0]["filters"]}
    data_note = (
        f"{prepared['subscribers']} confirmed subscribers, daily runs of {ROUNDS} x {SLICE} of them "
        f"(filters: none {filters['none']}, countries {filters['countries']}, regulators {filters['regulators']}, "
        f"both {filters['both']}); 50 new rulings ({prepared['new_ruling_flags']} flags); {emails} emails of "
        f"{_total(worker_runs, 'bytes') / max(emails, 1) / 1024:.0f} kB on average"
    )
    rows = [
        support.result(
            "digests_worker_emails_per_second",
            emails / worker_seconds if worker_seconds else 0.0,
            emails / loop_seconds if loop_seconds else None,
            "emails/s",
            ">= 0.8",
            note=(
                f"1 Celery worker ({POOL} pool, concurrency 1), {int(_total(worker_runs, 'batches'))} batches of "
                f"up to 500, {worker_seconds:.1f} s over {int(_total(worker_runs, 'connections')) - ROUNDS} SMTP connections "
                f"(the end marker's aside); "
                f"loop: {loop_seconds:.1f} s over one connection per round (rendering "
                f"{_total(loop_runs, 'render_seconds'):.1f} s, SMTP {_total(loop_runs, 'send_seconds'):.1f} s; working out "
                f"and loading its contents, {_total(loop_runs, 'load_seconds'):.1f} s, not counted: counted, the ratio "
                f"would be {worker_seconds and (loop_seconds + _total(loop_runs, 'load_seconds')) / worker_seconds:.2f}); "
                f"ratio per round "
                f"{round_ratios[0]:.2f}-{round_ratios[-1]:.2f}, median {statistics.median(round_ratios):.2f}; {data_note}"
            ),
        ),
        support.result(
            "digests_worker_peak_memory",
            peak_kb / 1024,
            small_peak_kb / 1024,
            "MB",
            "<= 1.25",
            note=(
                f"VmHWM of the worker's pool process after {subscribers} subscribers ({emails} emails, {ROUNDS} runs) "
                f"vs a fresh worker's after {SMALL} ({small['emails']} emails, one run); "
                f"{idle_kb / 1024:.0f} MB when idle before the rounds"
            ),
        ),
    ]
    batches = dict(zip(QUERY_BATCH_SIZES, queries["batches"], strict=True))
    small_batch, large_batch = (batches[size] for size in QUERY_BATCH_SIZES)
    rows.append(
        support.result(
            "digests_selection_queries_per_batch",
            large_batch["build_queries"] + large_batch["read_queries"],
            small_batch["build_queries"] + small_batch["read_queries"],
            "queries",
            "<= 1",
            note="building (lock, selection, ledger) + reading one batch's digests: "
            + "; ".join(
                f"{batch['subscribers']} subscribers naming {batch['distinct_countries']} countries: "
                f"{batch['build_queries']} + {batch['read_queries']} queries"
                for batch in (small_batch, large_batch)
            ),
        )
    )
    per_email = [batch["send_queries"] / batch["emails"] if batch["emails"] else math.nan for batch in (small_batch, large_batch)]
    rows.append(
        support.result(
            "digests_send_queries_per_email",
            per_email[1],
            per_email[0],
            "queries",
            "<= 1",
            note="per email: BEGIN, its row lock (SELECT … FOR UPDATE SKIP LOCKED), its status update and COMMIT; "
            "the transaction holds the lock while the SMTP server accepts the message (exactly-once needs it); "
            + "; ".join(f"{batch['emails']} emails: {batch['send_queries']} queries" for batch in (small_batch, large_batch)),
        )
    )
    return rows
