"""API tokens write only what their user was explicitly granted; a token is rotated with
``drf_create_token -r`` and revoked by deleting it in the admin."""

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.urls import reverse
from rest_framework.authtoken.models import Token

from rulings.models import Ruling
from tests.agencies.factories import AgencyFactory, country
from tests.api.conftest import client_for
from tests.rulings.factories import RegulatorFactory, RulingFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def records(db):
    regulator = RegulatorFactory(jurisdiction="CA", name="Office of the Privacy Commissioner")
    agency = AgencyFactory(country=country("CA"), subdivision="CA-ON", name="Toronto Police Service")
    ruling = RulingFactory(regulator=regulator, status=Ruling.Status.PUBLISHED, title="Joint investigation")
    return {"regulators": regulator, "agencies": agency, "rulings": ruling}


NEW = {
    "regulators": {"name": "Commission nationale", "jurisdiction": "FR"},
    "agencies": {"name": "Example Police Service", "country": "CA", "kind": "police"},
    "rulings": {"title": "Another finding", "decided_on": "2021-02-02", "outcome": "unlawful", "scope": "jurisdiction",
                "source_url": "https://example.org/decision"},
}


@pytest.mark.parametrize("resource", ["regulators", "agencies", "rulings"])
def test_a_staff_token_without_model_permissions_cannot_write(records, resource):
    # Given a staff member's token, granted no permission on the records
    staff = User.objects.create_user("newcomer", "newcomer@example.org", "pw", is_staff=True)
    client = client_for(staff)
    record = records[resource]
    before = client.get(f"/api/v1/{resource}/{record.pk}/").json()
    payload = {**NEW[resource], **({"regulator": records["regulators"].pk} if resource == "rulings" else {})}
    # When it tries to add and to change a record
    added = client.post(f"/api/v1/{resource}/", payload, format="json")
    changed = client.patch(f"/api/v1/{resource}/{record.pk}/", {"name": "Renamed", "title": "Renamed"}, format="json")
    # Then both are forbidden and nothing changed
    assert (added.status_code, changed.status_code) == (403, 403)
    assert client.get(f"/api/v1/{resource}/{record.pk}/").json() == before
    assert type(record).objects.count() == 1


def test_the_token_of_a_deactivated_user_is_refused(records):
    user = User.objects.create_superuser("former", "former@example.org", "pw")
    client = client_for(user)
    user.is_active = False
    user.save()
    assert client.post("/api/v1/regulators/", NEW["regulators"], format="json").status_code == 401


def test_rotating_a_token_with_drf_create_token_r_retires_the_old_key(records):
    # Given a partner with a token that may write agencies
    partner = User.objects.create_superuser("partner", "partner@example.org", "pw")
    old = client_for(partner)
    # When the token is rotated
    call_command("drf_create_token", "-r", "partner")
    # Then the old key no longer works and the new one does
    assert old.post("/api/v1/regulators/", NEW["regulators"], format="json").status_code == 401
    new = client_for(partner)
    assert new.post("/api/v1/regulators/", NEW["regulators"], format="json").status_code == 201


def test_deleting_a_token_in_the_admin_revokes_it(client, records):
    # Given a partner's token and a superuser in the admin
    partner = User.objects.create_superuser("partner", "partner@example.org", "pw")
    api = client_for(partner)
    client.force_login(User.objects.create_superuser("root", "root@example.org", "pw"))
    # When the token is deleted on its admin page
    response = client.post(reverse("admin:authtoken_tokenproxy_delete", args=[partner.pk]), {"post": "yes"})
    # Then it is gone and the key is refused
    assert response.status_code == 302
    assert not Token.objects.filter(user=partner).exists()
    assert api.post("/api/v1/regulators/", NEW["regulators"], format="json").status_code == 401
