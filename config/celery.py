"""The Celery app and its beat schedule."""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("tracker")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
app.autodiscover_tasks(["tracker.digests"])


@app.on_after_finalize.connect
def setup_periodic_tasks(sender, **kwargs):
    """Register the periodic jobs; intervals come from settings."""
    from django.conf import settings

    sender.conf.beat_schedule = {
        "flags-sweep-pending": {
            "task": "tracker.tasks.flags_sweep_pending_task",
            "schedule": settings.FLAGS_SWEEP_INTERVAL,
        },
        "flags-reconcile": {
            "task": "tracker.tasks.flags_reconcile_task",
            "schedule": settings.FLAGS_RECONCILE_INTERVAL,
        },
        "digests-daily": {
            "task": "tracker.digests.tasks.digests_dispatch_task",
            "schedule": crontab.from_string(settings.DIGESTS_DAILY_CRON),
            "args": ("daily",),
        },
        "digests-weekly": {
            "task": "tracker.digests.tasks.digests_dispatch_task",
            "schedule": crontab.from_string(settings.DIGESTS_WEEKLY_CRON),
            "args": ("weekly",),
        },
        "digests-sweep-pending": {
            "task": "tracker.digests.tasks.digests_sweep_pending_task",
            "schedule": settings.DIGESTS_SWEEP_INTERVAL,
        },
        "heartbeat": {
            "task": "tracker.tasks.heartbeat_task",
            "schedule": settings.HEARTBEAT_INTERVAL,
            # A heartbeat that waited longer than an interval proves nothing: drop it.
            "options": {"expires": settings.HEARTBEAT_INTERVAL},
        },
    }
