"""A worker killed by SIGKILL in the middle of a digest batch: nobody misses a digest.

An SMTP server of the test's own accepts the second email of the first batch and then
holds its reply, so the kill lands exactly while that email is in flight: the server has
it, the worker has not recorded it sent. The broker would hand the dead worker's batch
back only after its visibility timeout (an hour); the sweep of abandoned digests finishes
it within seconds of the restart, and the next run would too.
"""

import asyncio
import threading
import time
from collections import Counter

import pytest

from tests.fixtures.celery_worker import wait_until
from tests.fixtures.smtp import SmtpSink, serving
from tests.rulings.factories import RulingFactory
from tests.tracker.digests_support import SubscriptionFactory
from tracker.models import Digest, RulingDelivery

pytestmark = pytest.mark.integration

SUBSCRIBERS = 6
BATCH_SIZE = 3
# The email held in flight when the worker is killed: the second of the first batch.
IN_FLIGHT = 2
# The promise: done within two minutes of the restart.
RECOVERY_LIMIT_SECONDS = 120


class HoldingSmtpSink(SmtpSink):
    """Accepts every message, but holds its reply to message number ``hold_at`` until released."""

    def __init__(self, hold_at: int):
        super().__init__()
        self.hold_at = hold_at
        self.holding = threading.Event()
        self.released = threading.Event()

    async def handle_DATA(self, server, session, envelope):
        reply = await super().handle_DATA(server, session, envelope)
        if len(self.messages) == self.hold_at and not self.holding.is_set():
            self.holding.set()
            await asyncio.get_running_loop().run_in_executor(None, self.released.wait, 60)
        return reply

    def digests_by_address(self) -> Counter:
        return Counter(message["To"] for message in self.messages if "digest:" in message["Subject"])


@pytest.fixture
def smtp_sink():
    with serving(HoldingSmtpSink(hold_at=IN_FLIGHT)) as sink:
        try:
            yield sink
        finally:
            sink.released.set()  # let the held message go, so the server can stop


@pytest.fixture
def digest_stack(stack, smtp_sink):
    stack.env["EMAIL_URL"] = f"smtp://{smtp_sink.host}:{smtp_sink.port}"
    return stack


def kill_worker_mid_batch(stack, sink):
    """Six subscribers owed two rulings each; the daily run's first batch is killed while
    its second email is in flight. Returns the subscribers, in batch order."""
    subscribers = [SubscriptionFactory() for _ in range(SUBSCRIBERS)]
    RulingFactory()
    RulingFactory()
    stack.worker()
    stack.manage("send_digests", "--frequency", "daily", "--batch-size", str(BATCH_SIZE))
    wait_until(sink.holding.is_set, timeout=60, message="the second email to be in flight")

    stack.processes.kill("worker")
    sink.released.set()

    # The first subscriber got theirs; the one in flight reached the server but is not
    # recorded sent; the rest of the batch and the second batch wait.
    assert sink.digests_by_address() == Counter({subscribers[0].email: 1, subscribers[1].email: 1})
    statuses = dict(Digest.objects.values_list("subscription_id", "status"))
    assert statuses == {
        subscribers[0].pk: Digest.Status.SENT,
        subscribers[1].pk: Digest.Status.PENDING,
        subscribers[2].pk: Digest.Status.PENDING,
    }
    return subscribers


def assert_everyone_got_one_digest_but_the_one_in_flight(sink, subscribers):
    received = sink.digests_by_address()
    assert set(received) == {subscriber.email for subscriber in subscribers}, "a subscriber missed their digest"
    duplicates = {address: count for address, count in received.items() if count > 1}
    # The tolerated duplicate: the email the server accepted just before the kill.
    assert duplicates == {subscribers[IN_FLIGHT - 1].email: 2}
    assert Digest.objects.count() == SUBSCRIBERS
    assert set(Digest.objects.values_list("status", flat=True)) == {Digest.Status.SENT}
    assert RulingDelivery.objects.count() == SUBSCRIBERS * 2


def everyone_received(sink, subscribers) -> bool:
    return set(sink.digests_by_address()) == {subscriber.email for subscriber in subscribers} and not (
        Digest.objects.exclude(status=Digest.Status.SENT).exists()
    )


def test_a_worker_killed_mid_batch_finishes_within_seconds_of_its_restart(digest_stack, smtp_sink, figures):
    subscribers = kill_worker_mid_batch(digest_stack, smtp_sink)

    # When the worker is restarted, with beat, and nobody touches anything
    restarted = time.monotonic()
    digest_stack.worker()
    digest_stack.beat()

    # Then every subscriber has their digest well within two minutes, without waiting an
    # hour for the broker to hand the killed batch back
    wait_until(
        lambda: everyone_received(smtp_sink, subscribers),
        timeout=RECOVERY_LIMIT_SECONDS,
        interval=0.25,
        message="every digest after the restart",
    )
    recovered = time.monotonic() - restarted
    assert_everyone_got_one_digest_but_the_one_in_flight(smtp_sink, subscribers)
    figures(f"every digest sent {recovered:.1f} s after the worker restarted")


def test_a_worker_killed_mid_batch_leaves_nothing_for_the_next_run_to_miss(digest_stack, smtp_sink):
    subscribers = kill_worker_mid_batch(digest_stack, smtp_sink)

    # When a worker comes back without beat, it works the second batch off
    digest_stack.worker()
    wait_until(
        lambda: set(smtp_sink.digests_by_address()) >= {s.email for s in subscribers[BATCH_SIZE:]},
        timeout=60,
        message="the second batch",
    )
    assert subscribers[2].email not in smtp_sink.digests_by_address()

    # And the next run sends what the killed batch left
    digest_stack.manage("send_digests", "--frequency", "daily", "--batch-size", str(BATCH_SIZE))
    wait_until(lambda: everyone_received(smtp_sink, subscribers), timeout=60, message="the next run's digests")
    assert_everyone_got_one_digest_but_the_one_in_flight(smtp_sink, subscribers)
