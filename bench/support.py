"""What the benchmarks share: a gunicorn server on loopback, a bounded load generator,
and the memory figures of the server's workers."""

from __future__ import annotations

import http.client
import math
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
LOG_DIR = ROOT / "var" / "bench"

# Seconds of load per round, rounds per comparison, and client threads; the environment
# may change them (BENCH_ROUND_SECONDS, BENCH_ROUNDS, BENCH_THREADS).
ROUND_SECONDS = float(os.environ.get("BENCH_ROUND_SECONDS", "4"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
THREADS = int(os.environ.get("BENCH_THREADS", "4"))
WORKERS = 2
REQUEST_TIMEOUT = 120
SERVER_START_TIMEOUT = 60


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def children_of(pid: int) -> list[int]:
    """Process ids whose parent is ``pid``, read from /proc."""
    children = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name may hold spaces; the parent id follows the closing parenthesis.
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            children.append(int(entry.name))
    return sorted(children)


def ensure_database(url: str) -> None:
    """Create the PostgreSQL database named by ``url`` if it does not exist."""
    parts = urlsplit(url)
    if parts.scheme not in ("postgres", "postgresql", "pgsql"):
        return
    import psycopg2
    from psycopg2 import sql

    name = parts.path.lstrip("/")
    connection = psycopg2.connect(
        dbname="postgres",
        user=parts.username or "postgres",
        password=parts.password,
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 5432,
        connect_timeout=5,
    )
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if cursor.fetchone() is None:
                print(f"Creating database {name}")
                cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    finally:
        connection.close()


@dataclass
class Server:
    port: int
    process: subprocess.Popen

    def workers(self) -> list[int]:
        """Process ids of the gunicorn workers (the master's children)."""
        return children_of(self.process.pid)

    def get(self, path: str) -> tuple[int, bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=REQUEST_TIMEOUT)
        try:
            connection.request("GET", path)
            response = connection.getresponse()
            return response.status, response.read()
        finally:
            connection.close()


def memory_kb(pid: int, field_name: str = "VmHWM") -> int:
    """A memory figure of a process from /proc (VmHWM: its peak resident set), in kB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field_name}:"):
            return int(line.split()[1])
    raise LookupError(f"{field_name} not in /proc/{pid}/status")


@contextmanager
def gunicorn(*, workers: int = WORKERS, name: str = "server"):
    """A gunicorn of the service (``config.wsgi``, settings ``bench.settings``) on a free
    loopback port, as in production but for the settings; stopped on exit."""
    port = free_port()
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    log = open(LOG_DIR / f"gunicorn-{name}.log", "ab")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.settings", "PYTHONPATH": str(ROOT)}
    command = [
        sys.executable, "-m", "gunicorn", "config.wsgi",
        "--bind", f"127.0.0.1:{port}",
        "--workers", str(workers),
        # An export of every row takes longer than gunicorn's default 30 seconds.
        "--timeout", "300",
        "--log-level", "warning",
    ]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    server = Server(port, process)
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {process.returncode}; see {log.name}")
            try:
                status, _ = server.get("/api/v1/")
                if status == 200 and len(server.workers()) == workers:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not answer within {SERVER_START_TIMEOUT} s; see {log.name}")
            time.sleep(0.2)
        yield server
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        log.close()


@dataclass
class Load:
    """What a load run measured: requests answered, failures, seconds, latencies."""

    requests: int = 0
    failures: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)

    def __iadd__(self, other: Load) -> Load:
        self.requests += other.requests
        self.failures += other.failures
        self.seconds += other.seconds
        self.latencies += other.latencies
        for status, count in other.statuses.items():
            self.statuses[status] = self.statuses.get(status, 0) + count
        return self

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def mean_ms(self) -> float:
        return 1000 * statistics.fmean(self.latencies) if self.latencies else float("nan")

    def percentile_ms(self, percent: int) -> float:
        if len(self.latencies) < 2:
            return float("nan")
        return 1000 * statistics.quantiles(self.latencies, n=100)[percent - 1]


def hammer(server: Server, path: str, *, seconds: float, threads: int = THREADS) -> Load:
    """GET ``path`` from ``threads`` clients in a loop for ``seconds`` (keep-alive where the
    server allows it); only answers 200 count as requests."""
    deadline = time.monotonic() + seconds
    results = [Load() for _ in range(threads)]

    def client(load: Load):
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=REQUEST_TIMEOUT)
        try:
            while time.monotonic() < deadline:
                started = time.perf_counter()
                try:
                    connection.request("GET", path)
                    response = connection.getresponse()
                    response.read()
                except (OSError, http.client.HTTPException):
                    load.failures += 1
                    connection.close()
                    continue
                load.statuses[response.status] = load.statuses.get(response.status, 0) + 1
                if response.status == 200:
                    load.requests += 1
                    load.latencies.append(time.perf_counter() - started)
                else:
                    load.failures += 1
                if response.will_close:
                    connection.close()
        finally:
            connection.close()

    started = time.monotonic()
    workers = [threading.Thread(target=client, args=(load,), daemon=True) for load in results]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(seconds + REQUEST_TIMEOUT)
    total = Load(seconds=time.monotonic() - started)
    for load in results:
        total += Load(load.requests, load.failures, 0.0, load.latencies, load.statuses)
    return total


def compare(server: Server, paths: dict[str, str], *, rounds: int = ROUNDS, seconds: float = ROUND_SECONDS,
            threads: int = THREADS) -> dict[str, Load]:
    """Load each path in turn, round after round, so that both share the machine's noise;
    a short warm-up of each comes first and is not counted."""
    for path in paths.values():
        hammer(server, path, seconds=min(2.0, seconds), threads=threads)
    totals = {name: Load() for name in paths}
    for _ in range(rounds):
        for name, path in paths.items():
            totals[name] += hammer(server, path, seconds=seconds, threads=threads)
    return totals


def check_answers(server: Server, paths: dict[str, str]) -> None:
    """Refuse to measure an endpoint that does not answer 200."""
    for name, path in paths.items():
        status, body = server.get(path)
        if status != 200:
            raise RuntimeError(f"{name} ({path}) answered {status}: {body[:300]!r}")


def _rounded(number: float | None) -> float | None:
    # NaN (too few samples) is not valid JSON: it is reported as no figure.
    return None if number is None or math.isnan(number) else round(number, 3)


def result(name: str, value: float, baseline: float | None, unit: str, goal: str | None = None, *,
           ratio: float | None = None, note: str = "") -> dict:
    """One line of the results table."""
    if ratio is None and baseline:
        ratio = value / baseline
    return {
        "name": name,
        "value": _rounded(value),
        "baseline": _rounded(baseline),
        "ratio": _rounded(ratio),
        "unit": unit,
        "goal": goal,
        "note": note,
    }
