"""Real processes for the fault tests: a private Redis, a private PostgreSQL cluster, the
web server (gunicorn), Celery worker and beat, each on loopback and a free port.

Every process is a direct child started with a parent-death signal, so none outlives the
test run, and is killed at teardown even when the test fails. Logs go to files beside the
test's temporary directory; their tails are printed at teardown when the test failed.
"""

from __future__ import annotations

import ctypes
import glob
import http.client
import json as jsonlib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path

import pytest

from tests.fixtures.celery_worker import wait_until
from tests.fixtures.smtp import free_port

ROOT = Path(__file__).resolve().parents[2]
PR_SET_PDEATHSIG = 1


def require_binary(name: str, *, search: tuple[str, ...] = ()) -> str:
    """The path of an executable; a missing one fails the test under CI, else skips it."""
    found = shutil.which(name)
    if found is None:
        candidates = sorted((path for pattern in search for path in glob.glob(pattern)), reverse=True)
        found = next((path for path in candidates if os.access(path, os.X_OK)), None)
    if found is None:
        message = f"{name} is needed by this fault test and was not found; `make services` installs it."
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(message)
        pytest.skip(message)
    return found


def _child_setup(user: pwd.struct_passwd | None):
    def setup():
        if user is not None:
            os.setgid(user.pw_gid)
            os.setuid(user.pw_uid)
        # After any change of user: a change of credentials clears the parent-death signal.
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)

    return setup


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes
    seconds: float

    def json(self):
        return jsonlib.loads(self.body)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


@dataclass
class HttpClient:
    """A tiny cookie-keeping HTTP client that never follows redirects and never raises on a status."""

    port: int
    headers: dict[str, str] = field(default_factory=dict)
    cookies: dict[str, str] = field(default_factory=dict)

    def request(self, method: str, path: str, *, json=None, form=None, headers=None, timeout: float = 15) -> Answer:
        body = None
        sent = {"Host": f"127.0.0.1:{self.port}", **self.headers, **(headers or {})}
        if json is not None:
            body = jsonlib.dumps(json).encode()
            sent["Content-Type"] = "application/json"
        elif form is not None:
            body = urllib.parse.urlencode(form, doseq=True).encode()
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        started = time.monotonic()
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            content = response.read()
        finally:
            connection.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return Answer(response.status, dict(response.headers.items()), content, time.monotonic() - started)

    def get(self, path: str, **kwargs) -> Answer:
        return self.request("GET", path, **kwargs)


class Processes:
    """Starts the processes of one test and kills every one of them at teardown."""

    def __init__(self, log_dir: Path):
        self.log_dir = log_dir
        self.running: dict[str, subprocess.Popen] = {}
        self.logs: dict[str, Path] = {}
        self.cleanups: list = []

    def start(self, name: str, argv: list[str], *, env: dict[str, str] | None = None, user=None) -> subprocess.Popen:
        log = self.log_dir / f"{name}.log"
        with open(log, "ab") as output:
            process = subprocess.Popen(
                argv,
                cwd=ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=_child_setup(user),
            )
        self.running[name] = process
        self.logs[name] = log
        return process

    def signal(self, name: str, signum: int) -> None:
        os.killpg(self.running[name].pid, signum)

    def kill(self, name: str) -> None:
        """SIGKILL, to the whole process group: no cleanup, no acknowledgement."""
        process = self.running.pop(name)
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)

    def log(self, name: str) -> str:
        return self.logs[name].read_text(errors="replace")

    def stop_all(self, *, show_logs: bool = False) -> None:
        for name in reversed(list(self.running)):  # the service's processes before Redis and PostgreSQL
            process = self.running[name]
            if process.poll() is None:
                try:
                    os.killpg(process.pid, signal.SIGCONT)  # a stopped process cannot die of SIGKILL until it runs
                    os.killpg(process.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            process.wait(timeout=10)
            del self.running[name]
        for cleanup in reversed(self.cleanups):
            cleanup()
        for name, log in self.logs.items() if show_logs else ():
            lines = log.read_text(errors="replace").splitlines()[-40:] if log.exists() else []
            print(f"----- {name} (last {len(lines)} lines) -----", *lines, sep="\n")


class RedisServer:
    """A private redis-server on a fixed free port, with no persistence: killed, it comes
    back empty, as after a crash with nothing on disk."""

    def __init__(self, processes: Processes):
        self.binary = require_binary("redis-server")
        self.processes = processes
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.processes.start(
            "redis",
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        )
        import redis

        client = redis.Redis(port=self.port, socket_connect_timeout=1)
        wait_until(lambda: _answers(client.ping), timeout=15, message="redis-server to answer")

    def kill(self) -> None:
        self.processes.kill("redis")


class SilentServer:
    """A TCP server on loopback that accepts connections and never answers: a broker that
    hangs (frozen, or cut off by a firewall that drops packets)."""

    def __init__(self):
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(64)
        self.port = self.socket.getsockname()[1]
        self.accepted: list[socket.socket] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)

    def _accept(self):
        self.socket.settimeout(0.1)
        while not self._stop.is_set():
            try:
                self.accepted.append(self.socket.accept()[0])
            except OSError:
                continue

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc_info):
        self._stop.set()
        self._thread.join(timeout=2)
        for peer in self.accepted:
            peer.close()
        self.socket.close()


def _answers(call) -> bool:
    try:
        return bool(call())
    except Exception:
        return False


class PostgresCluster:
    """A private PostgreSQL cluster in a temporary directory, run by the ``postgres`` user
    when the tests run as root (initdb refuses root). Restartable on the same port."""

    SEARCH = ("/usr/lib/postgresql/*/bin/{}", "/usr/local/pgsql/bin/{}")

    def __init__(self, processes: Processes):
        self.initdb = require_binary("initdb", search=tuple(pattern.format("initdb") for pattern in self.SEARCH))
        self.postgres = str(Path(os.path.realpath(self.initdb)).with_name("postgres"))
        self.processes = processes
        self.user = pwd.getpwnam("postgres") if os.geteuid() == 0 else None
        self.directory = Path(tempfile.mkdtemp(prefix="tracker-faults-pg-"))
        processes.cleanups.append(lambda: shutil.rmtree(self.directory, ignore_errors=True))
        if self.user is not None:
            os.chown(self.directory, self.user.pw_uid, self.user.pw_gid)
        self.data = self.directory / "data"
        self.port = free_port()
        self.role = self.user.pw_name if self.user else pwd.getpwuid(os.geteuid()).pw_name

    def url(self, database: str) -> str:
        return f"postgres://{self.role}@127.0.0.1:{self.port}/{database}"

    def create(self) -> None:
        subprocess.run(
            [self.initdb, "-D", str(self.data), "-A", "trust", "-U", self.role, "--no-sync", "-E", "UTF8"],
            check=True,
            capture_output=True,
            preexec_fn=_child_setup(self.user),
            timeout=120,
        )

    def start(self) -> None:
        self.processes.start(
            "postgres",
            [
                self.postgres, "-D", str(self.data), "-p", str(self.port), "-k", str(self.directory),
                "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "synchronous_commit=off",
                "-c", "full_page_writes=off",
            ],
            user=self.user,
        )
        wait_until(self.answers, timeout=30, message="the private PostgreSQL to accept connections")

    def stop(self) -> None:
        """Fast shutdown (what ``pg_ctl stop -m fast`` sends): every session is ended at once."""
        process = self.processes.running.pop("postgres")
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)

    def answers(self, database: str = "postgres") -> bool:
        import psycopg2

        try:
            psycopg2.connect(host="127.0.0.1", port=self.port, user=self.role, dbname=database, connect_timeout=2).close()
            return True
        except psycopg2.OperationalError:
            return False

    def connect(self, database: str):
        import psycopg2

        connection = psycopg2.connect(host="127.0.0.1", port=self.port, user=self.role, dbname=database)
        connection.autocommit = True
        return connection


class Stack:
    """The service's processes on given database and broker URLs."""

    def __init__(self, processes: Processes, *, database_url: str, broker_url: str, **settings: str):
        self.processes = processes
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.faults.settings",
            "DJANGO_DEBUG": "false",
            "DJANGO_SECURE": "false",
            "DJANGO_SECRET_KEY": "fault-tests-only",
            "DJANGO_ADMIN_URL": "admin/",
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DATABASE_URL": database_url,
            "CELERY_BROKER_URL": broker_url,
            "PYTHONUNBUFFERED": "1",
            **{name: str(value) for name, value in settings.items()},
        }
        self.web_port: int | None = None

    def web(self, *, workers: int = 2) -> HttpClient:
        """gunicorn, as in production; returns a client once ``/healthz`` answers."""
        self.web_port = free_port()
        self.processes.start(
            "web",
            [
                sys.executable, "-m", "gunicorn", "config.wsgi:application",
                "--bind", f"127.0.0.1:{self.web_port}", "--workers", str(workers),
                "--timeout", "30", "--graceful-timeout", "2",
            ],
            env=self.env,
        )
        client = HttpClient(self.web_port)
        wait_until(lambda: _answers(lambda: client.get("/healthz", timeout=2).status == 200), timeout=30, message="gunicorn")
        return client

    def worker(self, name: str = "worker", *, concurrency: int = 1, loglevel: str = "INFO") -> subprocess.Popen:
        pool = ["--pool=solo"] if concurrency == 1 else ["--pool=prefork", f"--concurrency={concurrency}"]
        return self.processes.start(
            name,
            [
                sys.executable, "-m", "celery", "-A", "config", "worker", *pool, "--without-gossip",
                "--without-mingle", "--without-heartbeat", f"--loglevel={loglevel}", f"--hostname={name}@%h",
            ],
            env=self.env,
        )

    def beat(self, name: str = "beat") -> subprocess.Popen:
        schedule = self.processes.log_dir / f"{name}-schedule"
        return self.processes.start(
            name,
            [sys.executable, "-m", "celery", "-A", "config", "beat", "--loglevel=INFO", f"--schedule={schedule}"],
            env=self.env,
        )

    def manage(self, *args: str, timeout: float = 120) -> str:
        """Run a management command with this stack's settings; returns its output."""
        done = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            preexec_fn=_child_setup(None),
        )
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout


def database_url_of(connection) -> str:
    """The URL of the test database, for processes started by a test."""
    settings = connection.settings_dict
    return f"postgres://{settings['USER']}@{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}/{settings['NAME']}"

