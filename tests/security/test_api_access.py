"""API tokens write only what their user was explicitly granted; a token is rotated with
``drf_create_token -r`` and revoked by deleting it in the admin."""

import pytest
from django.contrib.auth.models import Permission, User
from django.core.management import call_command
from django.urls import reverse
from rest_framework.authtoken.models import Token

from rulings.models import Ruling
from tests.agencies.factories import AgencyFactory, country
from tests.api.conftest import client_for
from tests.rulings.factories import ProceedingFactory, RegulatorFactory, RulingFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def records(db):
    regulator = RegulatorFactory(jurisdiction="CA", name="Office of the Privacy Commissioner")
    agency = AgencyFactory(country=country("CA"), subdivision="CA-ON", name="Toronto Police Service")
    ruling = RulingFactory(regulator=regulator, status=Ruling.Status.PUBLISHED, title="Joint investigation")
    proceeding = ProceedingFactory(ruling=ruling, body="Federal Court")
    return {"regulators": regulator, "agencies": agency, "rulings": ruling, "proceedings": proceeding}


NEW = {
    "regulators": {"name": "Commission nationale", "jurisdiction": "FR"},
    "agencies": {"name": "Example Police Service", "country": "CA", "kind": "police"},
    "rulings": {"title": "Another finding", "decided_on": "2021-02-02", "outcome": "unlawful", "scope": "jurisdiction",
                "sources": ["https://example.org/decision"]},
    "proceedings": {"body": "Federal Court of Appeal", "decided_on": "2022-01-10", "effect": "upheld",
                    "sources": ["https://example.org/judgment"]},
}
RENAMED = {"name": "Renamed", "title": "Renamed", "body": "Renamed"}


def _new(resource: str, records: dict) -> dict:
    references = {"rulings": {"regulator": records["regulators"].pk}, "proceedings": {"ruling": records["rulings"].pk}}
    return {**NEW[resource], **references.get(resource, {})}


@pytest.mark.parametrize("resource", ["regulators", "agencies", "rulings", "proceedings"])
def test_a_staff_token_without_model_permissions_cannot_write(records, resource):
    # Given a staff member's token, granted no permission on the records
    staff = User.objects.create_user("newcomer", "newcomer@example.org", "pw", is_staff=True)
    client = client_for(staff)
    record = records[resource]
    before = client.get(f"/api/v1/{resource}/{record.pk}/").json()
    # When it tries to add and to change a record
    added = client.post(f"/api/v1/{resource}/", _new(resource, records), format="json")
    changed = client.patch(f"/api/v1/{resource}/{record.pk}/", RENAMED, format="json")
    # Then both are forbidden and nothing changed
    assert (added.status_code, changed.status_code) == (403, 403)
    assert client.get(f"/api/v1/{resource}/{record.pk}/").json() == before
    assert type(record).objects.count() == 1


@pytest.mark.parametrize("resource", ["rulings", "proceedings"])
def test_a_token_that_may_write_records_but_not_publish_them_cannot_publish_or_touch_published_ones(records, resource):
    # Given a partner's token holding every permission on rulings and proceedings but *publish ruling*
    partner = User.objects.create_user("ngo", "ngo@example.org", "pw")
    partner.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="rulings").exclude(codename="publish_ruling")
    )
    client = client_for(partner)
    record = records[resource]
    before = client.get(f"/api/v1/{resource}/{record.pk}/").json()
    # When it creates a published record, and edits a published one
    added = client.post(f"/api/v1/{resource}/", {**_new(resource, records), "status": "published"}, format="json")
    changed = client.patch(f"/api/v1/{resource}/{record.pk}/", {"summary": "Rewritten."}, format="json")
    # Then both are forbidden, saying why, and nothing changed
    assert (added.status_code, changed.status_code) == (403, 403)
    assert "publish ruling" in added.json()["detail"] and "publish ruling" in changed.json()["detail"]
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
