"""Redis goes down under a running service: edits are accepted, and the flags follow once it returns.

The web server (gunicorn), a worker and beat run as processes on the test database and a
Redis of the test's own, which the test kills and restarts empty on the same port.
"""

import re
import time

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token

from rulings.models import Ruling
from tests.agencies.factories import AgencyFactory, country
from tests.fixtures.celery_worker import wait_until
from tests.rulings.factories import RegulatorFactory, RulingFactory
from tracker.models import Flag, PendingRecompute

from .support import SilentServer

pytestmark = pytest.mark.integration

# Seconds a request may take while the broker is down: publishing must fail fast.
FAIL_FAST_SECONDS = 3
# ... and while it hangs: two attempts of two seconds (CELERY_BROKER_TRANSPORT_OPTIONS).
HUNG_BROKER_SECONDS = 6
# The promise: the flag appears within two minutes of Redis returning.
RECOVERY_LIMIT_SECONDS = 120


def staff_session(user) -> dict[str, str]:
    """Cookies of a logged-in admin session for ``user`` (stored in the shared database)."""
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return {"sessionid": client.cookies["sessionid"].value}


def test_edits_are_accepted_while_redis_is_down_and_flags_follow_its_return(stack, private_redis, publisher, figures):
    # Given the service running: web, a worker and beat, with a ready heartbeat
    sweden = AgencyFactory(country=country("SE"), name="Swedish Police Authority")
    norway = AgencyFactory(country=country("NO"), name="Norwegian Police")
    by_api = RulingFactory(regulator=RegulatorFactory(jurisdiction="SE"), status=Ruling.Status.DRAFT)
    by_admin = RulingFactory(regulator=RegulatorFactory(jurisdiction="NO"), status=Ruling.Status.DRAFT)
    token = Token.objects.create(user=publisher)
    web = stack.web()
    stack.worker()
    stack.beat()
    wait_until(lambda: web.get("/readyz").status == 200, timeout=60, message="the service to be ready")

    # When Redis dies
    private_redis.kill()
    killed = time.monotonic()

    # Then the public site and the API keep serving
    for path in ("/", "/rulings/", "/countries/", "/api/v1/rulings/", "/api/v1/flags/", "/healthz"):
        answer = web.get(path)
        assert answer.status == 200, (path, answer.status)
    # And readiness says the broker is down, and nothing more
    ready = web.get("/readyz")
    assert ready.status == 503 and ready.json()["broker"] == "failed"

    # And a publisher's edit through the API is accepted at once
    web.headers["Authorization"] = f"Token {token.key}"
    answer = web.request("PATCH", f"/api/v1/rulings/{by_api.pk}/", json={"status": "published"})
    assert answer.status == 200, answer.text
    assert answer.seconds < FAIL_FAST_SECONDS
    api_seconds = answer.seconds
    del web.headers["Authorization"]

    # And so is an edit through the admin
    web.cookies.update(staff_session(publisher))
    changelist = web.get("/admin/rulings/ruling/")
    assert changelist.status == 200
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', changelist.text).group(1)
    answer = web.request(
        "POST",
        "/admin/rulings/ruling/",
        form={"csrfmiddlewaretoken": csrf, "action": "publish", "_selected_action": [by_admin.pk]},
    )
    assert answer.status == 302, answer.text
    assert answer.seconds < FAIL_FAST_SECONDS
    admin_seconds = answer.seconds

    # And both edits are saved, with their recomputes waiting in the outbox, no flag yet
    by_api.refresh_from_db()
    by_admin.refresh_from_db()
    assert by_api.status == by_admin.status == Ruling.Status.PUBLISHED
    assert set(PendingRecompute.objects.values_list("ruling_id", flat=True)) >= {by_api.pk, by_admin.pk}
    assert not Flag.objects.filter(active=True).exists()

    # And the outage lasts until beat failed to send the sweep and the worker failed to
    # reconnect three times, each time waiting longer
    wait_until(
        lambda: "Couldn't apply scheduled task flags-sweep-pending" in stack.processes.log("beat")
        and "(3/100)" in stack.processes.log("worker"),
        timeout=60,
        message="beat and the worker to notice the outage",
    )
    assert not Flag.objects.filter(active=True).exists()
    down_for = time.monotonic() - killed

    # When Redis comes back, empty, and nobody touches anything
    private_redis.start()
    returned = time.monotonic()

    # Then both flags appear, well within two minutes
    wait_until(
        lambda: Flag.objects.filter(active=True, agency=sweden, ruling=by_api).exists()
        and Flag.objects.filter(active=True, agency=norway, ruling=by_admin).exists(),
        timeout=RECOVERY_LIMIT_SECONDS,
        interval=0.25,
        message="the flags after Redis returned",
    )
    recovered = time.monotonic() - returned
    wait_until(lambda: not PendingRecompute.objects.exists(), timeout=30, message="the outbox to empty")
    assert Flag.objects.count() == 2
    # And the service reports ready again
    wait_until(lambda: web.get("/readyz").status == 200, timeout=30, message="readiness after Redis returned")
    figures(
        f"Redis down for {down_for:.1f} s; "
        f"API edit answered in {api_seconds:.2f} s and admin edit in {admin_seconds:.2f} s with Redis down; "
        f"flags appeared {recovered:.1f} s after Redis returned"
    )


def test_edits_answer_within_seconds_when_the_broker_hangs(stack, publisher, figures):
    # Given a broker that accepts connections and never answers (frozen, or behind a
    # firewall that drops packets): the worst case for publishing
    sweden = AgencyFactory(country=country("SE"))
    draft = RulingFactory(regulator=RegulatorFactory(jurisdiction="SE"), status=Ruling.Status.DRAFT)
    token = Token.objects.create(user=publisher)
    with SilentServer() as silent:
        stack.env["CELERY_BROKER_URL"] = f"redis://127.0.0.1:{silent.port}/0"
        web = stack.web()

        # When a publisher publishes a ruling through the API
        web.headers["Authorization"] = f"Token {token.key}"
        answer = web.request("PATCH", f"/api/v1/rulings/{draft.pk}/", json={"status": "published"})
        # Then the edit is saved and answered within the broker's timeouts, not left hanging
        assert answer.status == 200, answer.text
        assert answer.seconds < HUNG_BROKER_SECONDS
        # And readiness answers within its own one-second broker timeout
        ready = web.get("/readyz")
        assert ready.status == 503 and ready.json()["broker"] == "failed"
        assert ready.seconds < 2

    draft.refresh_from_db()
    assert draft.status == Ruling.Status.PUBLISHED
    assert PendingRecompute.objects.filter(ruling=draft).exists()
    assert not Flag.objects.filter(agency=sweden).exists()
    figures(f"with a hung broker the API edit answered in {answer.seconds:.1f} s and /readyz in {ready.seconds:.2f} s")
