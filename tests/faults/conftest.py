"""Fixtures of the fault tests: the processes they start, kill and restart."""

import pytest
from django.conf import settings
from django.db import connection

from .support import Processes, RedisServer, Stack, database_url_of

# Beat's intervals in the fault tests, in seconds: short, so recoveries take seconds.
FAST_INTERVALS = {
    "FLAGS_SWEEP_INTERVAL": 2,
    "HEARTBEAT_INTERVAL": 1,
    "DIGESTS_SWEEP_INTERVAL": 2,
    "DIGESTS_SWEEP_AFTER": 1,
}

# What the fault tests measured, printed at the end of the run.
FIGURES: list[str] = []
# Set on a test whose setup or call failed, so its processes' logs are shown.
FAILED = pytest.StashKey[bool]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.failed:
        item.stash.setdefault(FAILED, True)
    return report


def pytest_terminal_summary(terminalreporter):
    if FIGURES:
        terminalreporter.section("fault test figures")
        for line in FIGURES:
            terminalreporter.write_line(line)


@pytest.fixture
def figures(request):
    """Append a line to report what a test measured (seconds to recover, to answer)."""

    def record(line: str) -> None:
        FIGURES.append(f"{request.node.name}: {line}")

    return record


@pytest.fixture
def processes(request, tmp_path):
    """Every process a test starts, killed at teardown whatever happened; their logs'
    tails are printed when the test failed."""
    started = Processes(tmp_path)
    try:
        yield started
    finally:
        started.stop_all(show_logs=request.node.stash.get(FAILED, False))


@pytest.fixture
def private_redis(processes):
    """A redis-server of the test's own, which the test may kill and restart."""
    server = RedisServer(processes)
    server.start()
    return server


@pytest.fixture
def stack(transactional_db, processes, private_redis):
    """Web, worker and beat (started on demand) on the test database and the private Redis.

    They share the test process's secret key, so a session it creates logs them in.
    """
    return Stack(
        processes,
        database_url=database_url_of(connection),
        broker_url=private_redis.url,
        DJANGO_SECRET_KEY=settings.SECRET_KEY,
        **FAST_INTERVALS,
    )
