"""What the digest benchmark runs outside the benchmark's own process.

The digest benchmark keeps its data in a database of its own (by default the local
PostgreSQL's ``tracker_bench_digests``) and its Celery queue in a Redis database of its own
(``redis://127.0.0.1:6379/9``), so that it neither reads nor disturbs the data set of the
other benchmarks. Everything that touches that data therefore runs in a subprocess with
that environment, through this file's commands::

    python bench/digests_support.py prepare    # data set, 50 new rulings, clock set
    python bench/digests_support.py reset --sample N [--offset K]  # who the daily run covers
    python bench/digests_support.py dispatch   # the daily run, queued for the worker
    python bench/digests_support.py baseline --sample N [--offset K]  # the single-process loop
    python bench/digests_support.py queries    # queries per batch at two batch sizes
    python bench/digests_support.py sink       # an SMTP server that counts and discards

Each command but ``sink`` prints one JSON line as its last line of output. Imported, this
module offers the parent's side: the environment, the commands, the SMTP sink and the
Celery worker as context managers that always stop what they started.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
LOG_DIR = ROOT / "var" / "bench"

DATABASE_NAME = "tracker_bench_digests"
BROKER_URL = os.environ.get("BENCH_DIGESTS_BROKER_URL", "redis://127.0.0.1:6379/9")
# The data set of the digest benchmark.
DATASET = {"agencies": 2_000, "regulators": 100, "rulings": 300, "subscribers": 100_000, "seed": 1}
NEW_RULINGS = 50
NEW_RULING_PREFIX = "Demo new ruling "
# The address of the marker email queued behind a run: when it arrives, the run is done.
SENTINEL_EMAIL = "sentinel@bench.invalid"
COMMAND_TIMEOUT = 900
WORKER_START_TIMEOUT = 60
WORKER_STOP_TIMEOUT = 30


# --- The parent's side -----------------------------------------------------------------


def database_url() -> str:
    """BENCH_DIGESTS_DATABASE_URL, or DATABASE_URL with the database renamed."""
    if os.environ.get("BENCH_DIGESTS_DATABASE_URL"):
        return os.environ["BENCH_DIGESTS_DATABASE_URL"]
    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/tracker_bench_data")
    parts = urlsplit(base)
    if parts.scheme not in ("postgres", "postgresql", "pgsql"):
        base = "postgres://postgres@127.0.0.1:5432/postgres"
        parts = urlsplit(base)
    return urlunsplit(parts._replace(path=f"/{DATABASE_NAME}"))


def ensure_database(url: str) -> None:
    """Create the benchmark's database if it does not exist."""
    from .support import ensure_database as create_if_missing

    create_if_missing(url)


def environment(*, smtp_port: int | None = None) -> dict[str, str]:
    """The environment of every process of the benchmark: its database, broker and mail."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": BROKER_URL,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        # Debug would keep every query in memory: the memory figure would measure that.
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": os.environ.get("DJANGO_SECRET_KEY", "bench"),
        "PYTHONPATH": str(ROOT),
    }
    if smtp_port is not None:
        env["EMAIL_URL"] = f"smtp://127.0.0.1:{smtp_port}"
    else:
        env.pop("EMAIL_URL", None)
    return env


def command(name: str, *arguments: str, smtp_port: int | None = None) -> dict:
    """Run one of this file's commands in a subprocess; its JSON answer."""
    process = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), name, *arguments],
        cwd=ROOT,
        env=environment(smtp_port=smtp_port),
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT,
    )
    if process.returncode != 0:
        raise RuntimeError(f"digests_support {name} failed ({process.returncode}):\n{process.stderr[-4000:]}")
    lines = [line for line in process.stdout.splitlines() if line.strip()]
    return json.loads(lines[-1])


def _stop(process: subprocess.Popen, timeout: float) -> None:
    """SIGTERM the process, then SIGKILL its whole session (it was started in its own)."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(process.pid, signal.SIGKILL)  # children left behind, if any
    except (ProcessLookupError, PermissionError):
        pass
    if process.poll() is None:
        process.wait(timeout=10)


class Sink:
    """The parent's handle on the SMTP sink subprocess."""

    def __init__(self, process: subprocess.Popen, port: int):
        self.process = process
        self.port = port

    def status(self) -> dict:
        """Messages counted so far: ``count`` and ``bytes`` of digests, ``last`` (epoch
        seconds of the last one), ``sentinels`` and ``connections``."""
        self.process.stdin.write("status\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError("the SMTP sink exited")
        return json.loads(line)

    def wait_for_sentinels(self, count: int, *, timeout: float) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            status = self.status()
            if status["sentinels"] >= count:
                return status
            if time.monotonic() > deadline:
                raise RuntimeError(f"the run did not finish within {timeout:.0f} s: {status}")
            time.sleep(0.1)


@contextmanager
def smtp_sink():
    """An aiosmtpd server on a free loopback port that counts messages and discards them."""
    from .support import free_port

    port = free_port()
    process = subprocess.Popen(
        [sys.executable, str(Path(__file__).resolve()), "sink", "--port", str(port)],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        if process.stdout.readline().strip() != "ready":
            raise RuntimeError("the SMTP sink did not start")
        yield Sink(process, port)
    finally:
        try:
            process.stdin.close()
        except OSError:
            pass
        _stop(process, timeout=5)


class Worker:
    """The parent's handle on a Celery worker subprocess."""

    def __init__(self, process: subprocess.Popen, log: Path):
        self.process = process
        self.log = log

    def pids(self) -> list[int]:
        """The worker's main process and its pool's processes."""
        from .support import children_of

        return [self.process.pid, *children_of(self.process.pid)]

    def memory_kb(self, field_name: str = "VmHWM") -> dict[int, int]:
        from .support import memory_kb

        return {pid: memory_kb(pid, field_name) for pid in self.pids()}


@contextmanager
def celery_worker(*, smtp_port: int, name: str, pool: str = "prefork"):
    """One Celery worker (one pool process) on the benchmark's broker and database,
    sending to the sink; ready when yielded, stopped (warm, then killed) on exit."""
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    log_path = LOG_DIR / f"celery-digests-{name}.log"
    log = open(log_path, "wb")
    process = subprocess.Popen(
        [
            sys.executable, "-m", "celery", "-A", "config", "worker",
            "--pool", pool, "--concurrency", "1",
            "--without-gossip", "--without-mingle", "--without-heartbeat",
            "--hostname", f"digests-bench-{name}@%h",
            "--loglevel", "INFO",
        ],
        cwd=ROOT,
        env=environment(smtp_port=smtp_port),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    worker = Worker(process, log_path)
    try:
        deadline = time.monotonic() + WORKER_START_TIMEOUT
        expected = 2 if pool == "prefork" else 1
        while b" ready." not in log_path.read_bytes() or len(worker.pids()) < expected:
            if process.poll() is not None:
                raise RuntimeError(f"the Celery worker exited with {process.returncode}; see {log_path}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"the Celery worker was not ready within {WORKER_START_TIMEOUT} s; see {log_path}")
            time.sleep(0.2)
        yield worker
    finally:
        _stop(process, timeout=WORKER_STOP_TIMEOUT)
        log.close()


# --- The subprocess's side ------------------------------------------------------------


def _setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def _clock() -> tuple[datetime.datetime, datetime.datetime]:
    """When every subscriber is taken to have confirmed, and when the new rulings appear.

    After every moment of the generated rulings (and before now), so that the new
    rulings, and only they, are new for every subscriber.
    """
    from django.db.models import Max
    from django.utils import timezone

    from rulings.models import Ruling

    latest = Ruling.objects.exclude(title__startswith=NEW_RULING_PREFIX).aggregate(
        published=Max("published_at"), changed=Max("status_changed_at")
    )
    moments = [moment for moment in latest.values() if moment is not None]
    confirmed = max([*moments, timezone.now() - datetime.timedelta(days=2)]) + datetime.timedelta(minutes=1)
    return confirmed, confirmed + datetime.timedelta(hours=1)


def cmd_prepare(arguments) -> dict:
    """Migrate, generate the data set unless it is there, add the new rulings, set the clock."""
    from django.core.management import call_command
    from django.db import connection, transaction

    from agencies.models import Agency
    from rulings.models import Regulator, Ruling
    from tracker.demo import DEMO_EMAIL_DOMAIN, DEMO_NAME_PREFIX, demo_refresh_statistics
    from tracker.models import Subscription
    from tracker.services import flags_recompute

    call_command("migrate", interactive=False, verbosity=0)
    present = {
        "agencies": Agency.objects.filter(name__startswith=DEMO_NAME_PREFIX).count(),
        "regulators": Regulator.objects.filter(name__startswith=DEMO_NAME_PREFIX).count(),
        "rulings": Ruling.objects.filter(regulator__name__startswith=DEMO_NAME_PREFIX)
        .exclude(title__startswith=NEW_RULING_PREFIX)
        .count(),
        "subscribers": Subscription.objects.filter(email__endswith=f"@{DEMO_EMAIL_DOMAIN}").count(),
    }
    wanted = {name: size for name, size in DATASET.items() if name != "seed"}
    generated_seconds = None
    if present != wanted:
        started = time.perf_counter()
        # The command, not the function: it also computes the flags once.
        call_command("generate_demo", replace=True, stdout=open(os.devnull, "w"), **DATASET)
        generated_seconds = time.perf_counter() - started

    confirmed, published = _clock()
    with transaction.atomic():
        new = list(Ruling.objects.filter(title__startswith=NEW_RULING_PREFIX).order_by("id"))
        if not new:
            new = _create_new_rulings(published)
        elif len(new) != NEW_RULINGS:
            raise RuntimeError(f"{len(new)} new rulings stored, not {NEW_RULINGS}: regenerate the data set")
        # Ruling.save() would set published_at to now; the clock is set directly instead.
        for number, ruling in enumerate(new):
            moment = published + datetime.timedelta(seconds=number)
            Ruling.objects.filter(pk=ruling.pk).update(published_at=moment, status_changed_at=moment)
        Subscription.objects.filter(email__endswith=f"@{DEMO_EMAIL_DOMAIN}").update(
            confirmed_at=confirmed, confirmation_sent_at=confirmed - datetime.timedelta(minutes=5), unsubscribed_at=None
        )
    result = flags_recompute(ruling_ids=[ruling.pk for ruling in new])
    demo_refresh_statistics()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM tracker_flag f JOIN rulings_ruling r ON r.id = f.ruling_id "
            "WHERE f.active AND r.title LIKE %s",
            [f"{NEW_RULING_PREFIX}%"],
        )
        (new_flags,) = cursor.fetchone()
    return {
        "present": present,
        "subscribers": Subscription.objects.filter(email__endswith=f"@{DEMO_EMAIL_DOMAIN}").count(),
        "generated_seconds": generated_seconds,
        "new_rulings": len(new),
        "new_ruling_flags": new_flags,
        "flags_raised_now": result.raised,
        "confirmed_at": confirmed.isoformat(),
        "published_at": published.isoformat(),
    }


def _create_new_rulings(published: datetime.datetime) -> list:
    """Fifty newly published rulings: copies of the first fifty published demo rulings
    (so of every jurisdiction level, outcome and scope), with their agencies."""
    from rulings.models import Regulator, Ruling
    from tracker.demo import DEMO_NAME_PREFIX

    demo_regulators = Regulator.objects.filter(name__startswith=DEMO_NAME_PREFIX)
    candidates = list(
        Ruling.objects.filter(regulator__in=demo_regulators, status=Ruling.Status.PUBLISHED)
        .exclude(title__startswith=NEW_RULING_PREFIX)
        .order_by("id")
        .prefetch_related("agencies")
    )
    # The first four (a regulator of each level), then rulings spread evenly over the rest.
    step = max(1, (len(candidates) - 4) // (NEW_RULINGS - 4))
    models = (candidates[:4] + candidates[4::step])[:NEW_RULINGS]
    if len(models) < NEW_RULINGS:
        raise RuntimeError(f"only {len(models)} published demo rulings to copy")
    copies = [
        Ruling(
            regulator_id=model.regulator_id,
            title=f"{NEW_RULING_PREFIX}{number}: {model.title.removeprefix(DEMO_NAME_PREFIX)}"[:300],
            decided_on=model.decided_on,
            outcome=model.outcome,
            scope=model.scope,
            fine_amount=model.fine_amount,
            fine_currency=model.fine_currency,
            summary=model.summary,
            sources=[{**model.sources[0], "url": f"{model.source_url}/new"}],
            status=Ruling.Status.PUBLISHED,
            published_at=published,
            status_changed_at=published,
        )
        for number, model in enumerate(models, start=1)
    ]
    # bulk_create sends no signal: the caller recomputes these rulings' flags once.
    created = Ruling.objects.bulk_create(copies)
    through = Ruling.agencies.through
    through.objects.bulk_create(
        through(ruling_id=copy.pk, agency_id=agency.pk)
        for copy, model in zip(created, models, strict=True)
        for agency in model.agencies.all()
    )
    return created


def _sample_ids(size: int, offset: int = 0) -> list[int]:
    """Ids of ``size`` demo subscribers from the ``offset``-th, in id order."""
    from tracker.demo import DEMO_EMAIL_DOMAIN
    from tracker.models import Subscription

    demo = Subscription.objects.filter(email__endswith=f"@{DEMO_EMAIL_DOMAIN}").order_by("id")
    return list(demo.values_list("id", flat=True)[offset : offset + size])


def cmd_reset(arguments) -> dict:
    """Forget every digest sent; make ``--sample`` subscribers (from ``--offset``) the daily ones.

    The other subscribers stay confirmed, as weekly subscribers, so the daily run covers
    exactly the sample while the tables hold the whole data set. Empties the queue.
    """
    from django.db import connection, transaction
    from django.db.models import Count, Q

    from config.celery import app
    from tracker.demo import DEMO_EMAIL_DOMAIN
    from tracker.models import Digest, FlagDelivery, RulingDelivery, Subscription

    sample = _sample_ids(arguments.sample, arguments.offset)
    daily, weekly = Subscription.Frequency.DAILY, Subscription.Frequency.WEEKLY
    with transaction.atomic():
        FlagDelivery.objects.all().delete()
        RulingDelivery.objects.all().delete()
        Digest.objects.all().delete()
        demo = Subscription.objects.filter(email__endswith=f"@{DEMO_EMAIL_DOMAIN}")
        demo.filter(pk__in=sample).exclude(frequency=daily).update(frequency=daily)
        demo.filter(frequency=daily).exclude(pk__in=sample).update(frequency=weekly)
        # The marker: never confirmed, so never due; its confirmation email ends a run.
        Subscription.objects.get_or_create(email=SENTINEL_EMAIL, defaults={"frequency": Subscription.Frequency.WEEKLY})
    with connection.cursor() as cursor:
        for table in ("tracker_digest", "tracker_rulingdelivery", "tracker_flagdelivery", "tracker_subscription"):
            cursor.execute(f"VACUUM ANALYZE {table}")
    purged = app.control.purge()
    filters = Subscription.objects.filter(pk__in=sample).annotate(
        c=Count("countries", distinct=True), r=Count("regulators", distinct=True)
    ).aggregate(
        none=Count("id", filter=Q(c=0, r=0)),
        countries=Count("id", filter=Q(c__gt=0, r=0)),
        regulators=Count("id", filter=Q(c=0, r__gt=0)),
        both=Count("id", filter=Q(c__gt=0, r__gt=0)),
    )
    return {
        "sample": len(sample),
        "due": Subscription.objects.due(Subscription.Frequency.DAILY).count(),
        "confirmed": Subscription.objects.filter(confirmed_at__isnull=False).count(),
        "filters": filters,
        "purged": purged,
    }


def cmd_dispatch(arguments) -> dict:
    """Start the daily run, as beat or ``send_digests`` does, then queue the marker email."""
    from tracker.digests.services import digests_dispatch
    from tracker.digests.tasks import digests_send_confirmation_task
    from tracker.models import Subscription

    sentinel = Subscription.objects.get(email=SENTINEL_EMAIL)
    started = time.time()
    result = digests_dispatch(frequency=Subscription.Frequency.DAILY)
    dispatched = time.time()
    # One worker process takes tasks in order, one at a time: this one comes last.
    digests_send_confirmation_task.delay(sentinel.pk)
    return {"started": started, "dispatch_seconds": dispatched - started, **vars(result)}


def cmd_baseline(arguments) -> dict:
    """The same emails, rendered by the digest code's own function and sent in one loop
    over one SMTP connection, without selection, ledger, locks or a task queue.

    What each email holds is worked out before the clock starts, by the digest code
    itself in a transaction that is rolled back: digests a run already sent to these
    subscribers are read back as pending, the others are built as a run would build them.
    """
    from django.core.mail import get_connection
    from django.db import transaction

    from tracker.digests import emails
    from tracker.digests.selectors import pending_digest_contents
    from tracker.digests.services import digests_build
    from tracker.models import Digest, Subscription

    sample = _sample_ids(arguments.sample, arguments.offset)
    loaded_at = time.perf_counter()
    with transaction.atomic():
        Digest.objects.filter(subscription_id__in=sample, status=Digest.Status.SENT).update(
            status=Digest.Status.PENDING, sent_at=None
        )
        digests_build(subscription_ids=sample, frequency=Subscription.Frequency.DAILY)
        contents = pending_digest_contents(subscription_ids=sample)
        transaction.set_rollback(True)
    load_seconds = time.perf_counter() - loaded_at
    rulings = sum(len(content.rulings) for content in contents)

    connection = get_connection(fail_silently=False)
    render = send = 0.0
    started = time.perf_counter()
    connection.open()
    try:
        for content in contents:
            before = time.perf_counter()
            message = emails.digest_message(content, connection=connection)
            rendered = time.perf_counter()
            if connection.send_messages([message]) != 1:
                raise RuntimeError("the SMTP sink did not accept a message")
            render += rendered - before
            send += time.perf_counter() - rendered
    finally:
        connection.close()
    seconds = time.perf_counter() - started
    return {
        "emails": len(contents),
        "rulings": rulings,
        "seconds": seconds,
        "render_seconds": render,
        "send_seconds": send,
        "load_seconds": load_seconds,
    }


def cmd_queries(arguments) -> dict:
    """Queries of one batch at two batch sizes, in this process: selection and building,
    reading the digests' contents, and sending (per email), with the in-memory mail backend."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext, override_settings

    from tracker.digests.selectors import pending_digest_contents
    from tracker.digests.services import digests_build, digests_send_pending
    from tracker.models import Subscription

    sample = _sample_ids(sum(arguments.sizes), arguments.offset)
    figures = []
    offset = 0
    for size in arguments.sizes:
        ids = sample[offset : offset + size]
        offset += size
        with CaptureQueriesContext(connection) as build:
            built = digests_build(subscription_ids=ids, frequency=Subscription.Frequency.DAILY)
        with CaptureQueriesContext(connection) as read:
            contents = pending_digest_contents(subscription_ids=ids)
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
            with CaptureQueriesContext(connection) as sending:
                result = digests_send_pending(subscription_ids=ids)
        countries = {country.code for content in contents for country in content.subscription.countries.all()}
        figures.append(
            {
                "subscribers": len(ids),
                "built": built,
                "emails": result.sent,
                "distinct_countries": len(countries),
                "build_queries": len(build.captured_queries),
                "read_queries": len(read.captured_queries),
                # Sending reads the contents once more, then works per email.
                "send_queries": len(sending.captured_queries) - len(read.captured_queries),
            }
        )
    return {"batches": figures}


def cmd_sink(arguments) -> None:
    """An SMTP server that counts the messages it accepts and throws them away.

    Answers ``status`` on standard input with a JSON line; stops at end of input.
    """
    import threading

    from aiosmtpd.controller import Controller

    state = {"count": 0, "bytes": 0, "first": None, "last": None, "sentinels": 0, "connections": 0}
    lock = threading.Lock()

    class Counter:
        async def handle_EHLO(self, server, session, envelope, hostname, responses):
            with lock:
                state["connections"] += 1
            session.host_name = hostname
            return responses

        async def handle_DATA(self, server, session, envelope):
            now = time.time()
            with lock:
                if SENTINEL_EMAIL in envelope.rcpt_tos:
                    state["sentinels"] += 1
                else:
                    state["count"] += 1
                    state["bytes"] += len(envelope.original_content or envelope.content or b"")
                    state["first"] = state["first"] or now
                    state["last"] = now
            return "250 2.0.0 Accepted and discarded"

    controller = Controller(Counter(), hostname="127.0.0.1", port=arguments.port, ready_timeout=10)
    controller.start()
    try:
        print("ready", flush=True)
        for line in sys.stdin:
            if line.strip() == "status":
                with lock:
                    print(json.dumps(state), flush=True)
    finally:
        controller.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description="The digest benchmark's subprocess commands.")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("prepare")
    commands.add_parser("dispatch")
    for name in ("reset", "baseline"):
        sub = commands.add_parser(name)
        sub.add_argument("--sample", type=int, required=True)
        sub.add_argument("--offset", type=int, default=0)
    queries = commands.add_parser("queries")
    queries.add_argument("--sizes", type=int, nargs="+", default=[50, 500])
    queries.add_argument("--offset", type=int, default=0)
    sink = commands.add_parser("sink")
    sink.add_argument("--port", type=int, required=True)
    arguments = parser.parse_args()
    if arguments.command == "sink":
        cmd_sink(arguments)
        return
    _setup_django()
    answer = globals()[f"cmd_{arguments.command}"](arguments)
    print(json.dumps(answer, default=str), flush=True)


if __name__ == "__main__":
    main()
