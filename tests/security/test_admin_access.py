"""The admin: staff only, locked after five failed logins of one username from one address
for thirty minutes after the last attempt, and at the path DJANGO_ADMIN_URL names."""

import datetime
import os
import subprocess
import sys
from pathlib import Path

import pytest
import time_machine
from django.contrib.auth.models import User
from django.urls import reverse


pytestmark = pytest.mark.django_db

REPOSITORY = Path(__file__).resolve().parent.parent.parent
PASSWORD = "a long staff passphrase"
START = datetime.datetime(2026, 5, 4, 9, 0, tzinfo=datetime.UTC)


@pytest.fixture
def curator(db):
    return User.objects.create_user("curator", "curator@example.org", PASSWORD, is_staff=True, is_superuser=True)


def log_in(client, username="curator", password=PASSWORD, address="203.0.113.5"):
    return client.post(
        reverse("admin:login"), {"username": username, "password": password, "next": reverse("admin:index")}, REMOTE_ADDR=address
    )


def logged_in(client) -> bool:
    return client.get(reverse("admin:index")).status_code == 200


def test_a_user_who_is_not_staff_cannot_open_the_admin(client):
    # Given a partner account with model permissions but no staff status
    from django.contrib.auth.models import Permission

    partner = User.objects.create_user("partner", "partner@example.org", PASSWORD)
    partner.user_permissions.add(*Permission.objects.filter(codename__in=["add_agency", "change_agency", "view_agency"]))
    client.force_login(partner)
    # When it opens the admin, or a list in it
    for url in (reverse("admin:index"), reverse("admin:agencies_agency_changelist"), reverse("admin:agencies_agency_add")):
        response = client.get(url)
        # Then it is sent to the login page
        assert response.status_code == 302 and response["Location"].startswith(reverse("admin:login")), url
    # And its correct password does not let it in either
    client.logout()
    page = log_in(client, "partner")
    assert page.status_code == 200 and "staff account" in page.content.decode()
    assert not logged_in(client)


def test_a_staff_member_without_permissions_sees_no_records(client):
    client.force_login(User.objects.create_user("newcomer", "n@example.org", PASSWORD, is_staff=True))
    assert client.get(reverse("admin:agencies_agency_changelist")).status_code == 403


def test_five_failed_logins_lock_that_username_from_that_address_for_thirty_minutes(client, curator):
    # Given someone guessing the curator's password from one address
    with time_machine.travel(START, tick=False):
        statuses = [log_in(client, password=f"guess {n}").status_code for n in range(5)]
        # Then the fifth failure locks the account from that address
        assert statuses == [200, 200, 200, 200, 429]
        # And even the right password is refused there
        refused = log_in(client)
        assert refused.status_code == 429 and "locked" in refused.content.decode().lower()
        assert not logged_in(client)
        # While the curator, from another address, still logs in
        assert log_in(client, address="198.51.100.7").status_code == 302
        client.logout()
    # And 29 minutes later the address is still locked (and that attempt restarts the wait);
    # 30 minutes after the last attempt it is let in
    with time_machine.travel(START + datetime.timedelta(minutes=29), tick=False):
        assert log_in(client).status_code == 429
    with time_machine.travel(START + datetime.timedelta(minutes=29 + 31), tick=False):
        assert log_in(client).status_code == 302
        assert logged_in(client)


def test_failures_of_one_username_do_not_lock_out_another(client, curator):
    User.objects.create_user("editor2", "e2@example.org", PASSWORD, is_staff=True)
    for n in range(5):
        log_in(client, password=f"guess {n}")
    assert log_in(client, username="editor2").status_code == 302


def test_a_token_still_works_for_a_user_locked_out_of_the_admin(client, curator):
    # API tokens are a separate credential: the lockout guards the password form.
    from tests.api.conftest import client_for

    for n in range(5):
        log_in(client, password=f"guess {n}")
    response = client_for(curator).post("/api/v1/regulators/", {"name": "X", "jurisdiction": "CA"}, format="json")
    assert response.status_code == 201


SHOW_ADMIN_PATH = """
import django
django.setup()
from django.urls import resolve, reverse, Resolver404
print(reverse("admin:index"))
try:
    resolve("/admin/")
    print("/admin/ still answers")
except Resolver404:
    print("/admin/ is gone")
"""


def test_the_admin_moves_to_the_path_that_django_admin_url_names():
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DJANGO_ADMIN_URL": "curation-desk-7f3a/",
    }
    result = subprocess.run(
        [sys.executable, "-c", SHOW_ADMIN_PATH], cwd=REPOSITORY, env=environment, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-2:] == ["/curation-desk-7f3a/", "/admin/ is gone"]

