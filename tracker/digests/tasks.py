"""Celery tasks of the digests. Thin: they take ids, call one service, and declare retries.

Every time limit and retry countdown stays far below the broker's visibility timeout
(3600 s), so a late-acknowledged task is never redelivered while it still runs or waits.
"""

from smtplib import SMTPException

from celery import shared_task
from django.db import InterfaceError, OperationalError

from .services import (
    digests_dispatch,
    digests_send_abandoned,
    digests_send_batch,
    subscription_send_confirmation,
)

# Subscribers per batch are set by DIGESTS_BATCH_SIZE; a batch of 500 renders and sends in
# well under a minute on one connection, so five minutes leaves ample room.
BATCH_SOFT_TIME_LIMIT = 300
BATCH_TIME_LIMIT = 360
BATCH_MAX_RETRIES = 6
RETRY_BACKOFF_MAX = 600

COMMON = {
    "acks_late": True,
    "reject_on_worker_lost": True,
}


def backoff(retries: int) -> int:
    """Seconds before retry number ``retries + 1``: 30, 60, 120 ... capped at 10 minutes."""
    return min(30 * 2**retries, RETRY_BACKOFF_MAX)


@shared_task(
    **COMMON,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=2,
    retry_backoff_max=60,
    max_retries=5,
    soft_time_limit=120,
    time_limit=150,
)
def digests_dispatch_task(frequency: str):
    """Periodic: start a digest run of this frequency (``daily`` or ``weekly``)."""
    return vars(digests_dispatch(frequency=frequency))


@shared_task(
    bind=True,
    **COMMON,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=2,
    retry_backoff_max=60,
    max_retries=BATCH_MAX_RETRIES,
    soft_time_limit=BATCH_SOFT_TIME_LIMIT,
    time_limit=BATCH_TIME_LIMIT,
)
def digests_send_batch_task(self, subscription_ids: list[int], frequency: str):
    """Build and send the digests of these subscriptions; retry only the ones that failed.

    Once retries are spent, what is still pending goes out with the next run.
    """
    result = digests_send_batch(subscription_ids=subscription_ids, frequency=frequency)
    failed = result.failed_subscription_ids
    if failed and self.request.retries < self.max_retries:
        # Queue the retry and finish normally: what this attempt sent is done.
        retry = self.retry(args=(failed, frequency), countdown=backoff(self.request.retries), throw=False)
        if self.request.is_eager:
            # Run in-process there is no worker to come back later: retry now, and count it.
            later = retry.sig.apply(retries=self.request.retries + 1).result
            result.sent += later["sent"]
            result.failed_subscription_ids = later["failed_subscription_ids"]
    return vars(result)


@shared_task(**COMMON, soft_time_limit=BATCH_SOFT_TIME_LIMIT, time_limit=BATCH_TIME_LIMIT)
def digests_sweep_pending_task():
    """Periodic: send digests whose batch died before trying them (a worker killed mid-batch)."""
    return vars(digests_send_abandoned())


@shared_task(
    **COMMON,
    autoretry_for=(SMTPException, OSError, OperationalError, InterfaceError),
    retry_backoff=30,
    retry_backoff_max=RETRY_BACKOFF_MAX,
    retry_jitter=True,
    max_retries=6,
    soft_time_limit=60,
    time_limit=90,
)
def digests_send_confirmation_task(subscription_id: int):
    """Email the confirmation (or, to a confirmed address, the manage) link."""
    return subscription_send_confirmation(subscription_id=subscription_id)
