"""Tasks retry what can pass (a lost connection, a database restarting), never a bug."""

import pytest
from django.db import IntegrityError, ProgrammingError

import tracker.digests.tasks  # noqa: F401  (registers the tasks, as a worker's autodiscovery does)
import tracker.tasks  # noqa: F401
from config.celery import app

OUR_TASKS = sorted(name for name in app.tasks if name.startswith("tracker."))


def test_every_task_of_the_service_is_registered():
    assert "tracker.tasks.flags_process_pending_task" in OUR_TASKS
    assert "tracker.digests.tasks.digests_send_batch_task" in OUR_TASKS


@pytest.mark.parametrize("name", OUR_TASKS)
@pytest.mark.parametrize("bug", [IntegrityError, ProgrammingError])
def test_a_task_does_not_retry_a_bug(name, bug):
    # A constraint violation or bad SQL fails the same way every time: retrying it only
    # hides it for eight rounds of backoff.
    retried = getattr(app.tasks[name], "autoretry_for", ())
    assert not any(issubclass(bug, kind) for kind in retried), f"{name} retries {bug.__name__}"
