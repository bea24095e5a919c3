"""Celery tasks. Thin: each calls one service; all are idempotent and acknowledged late."""

from celery import shared_task
from django.db import InterfaceError, OperationalError

from tracker.health import heartbeat_record
from tracker.services import flags_process_pending, flags_recompute

# Retry on database trouble with exponential backoff, capped far below the broker's
# visibility timeout (3600 s) so a late-acknowledged task is never redelivered meanwhile.
DATABASE_RETRY = {
    "autoretry_for": (OperationalError, InterfaceError),
    "retry_backoff": 2,
    "retry_backoff_max": 60,
    "retry_jitter": True,
    "max_retries": 8,
    "acks_late": True,
    "reject_on_worker_lost": True,
    "soft_time_limit": 540,
    "time_limit": 600,
}


@shared_task(**DATABASE_RETRY)
def flags_process_pending_task():
    """Do every recompute waiting in the outbox; returns the counts as a dict."""
    return vars(flags_process_pending())


@shared_task(**DATABASE_RETRY)
def flags_sweep_pending_task():
    """Periodic: do recomputes whose fast path was lost (broker down, worker killed)."""
    return vars(flags_process_pending())


@shared_task(**DATABASE_RETRY)
def flags_reconcile_task():
    """Periodic: recompute everything and repair any drift."""
    return vars(flags_recompute())


@shared_task(acks_late=True, ignore_result=True, soft_time_limit=10, time_limit=20)
def heartbeat_task():
    """Periodic: record that a worker consumes the queue; ``/readyz`` reads it."""
    return heartbeat_record().isoformat()
