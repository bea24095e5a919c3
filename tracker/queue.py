"""Enqueueing Celery tasks by name, so that services never import the tasks that call them.

Tasks import services (a task is a thin wrapper around one); a service that starts a task
names it here instead, which keeps the imports one way. In eager mode (unit tests, and
``make run`` with no broker) the task runs in-process, as ``delay()`` would.
"""

from __future__ import annotations

from celery.result import AsyncResult, EagerResult

from config.celery import app

FLAGS_PROCESS_PENDING = "tracker.tasks.flags_process_pending_task"
DIGESTS_SEND_CONFIRMATION = "tracker.digests.tasks.digests_send_confirmation_task"
DIGESTS_SEND_BATCH = "tracker.digests.tasks.digests_send_batch_task"


def registered(name: str):
    """The task registered as ``name``, importing the apps' task modules first if this
    process has not (a web or command process imports them only when it needs one)."""
    if name not in app.tasks:
        app.loader.import_default_modules()
    return app.tasks[name]


def enqueue(name: str, *args, **kwargs) -> AsyncResult | EagerResult:
    """Start the task registered as ``name`` with these arguments; raises what the broker
    raises when it cannot take the message."""
    return registered(name).apply_async(args=args, kwargs=kwargs)


def runs_eagerly() -> bool:
    """Whether tasks run in-process (no broker), so that their results are at hand."""
    return bool(app.conf.task_always_eager)
