"""The agency table is reused while the data is unchanged, and never after an edit."""

import pytest

from agencies.models import Agency

from tests.agencies.factories import AgencyFactory
from tests.rulings.factories import RulingFactory
from tracker.services import flags_recompute

pytestmark = pytest.mark.django_db


def test_a_repeated_request_is_served_without_recomputing_the_page(client, django_assert_max_num_queries):
    AgencyFactory(name="Toronto Police Service")
    first = client.get("/")

    with django_assert_max_num_queries(1):  # only the data's last-update time
        again = client.get("/")

    assert again.status_code == 200 and again.content == first.content


def test_an_edit_shows_on_the_next_request(client):
    agency = AgencyFactory(name="Toronto Police Service")
    assert b"Toronto Police Service" in client.get("/").content

    agency.name = "Toronto Police Service (renamed)"
    agency.save()

    assert b"Toronto Police Service (renamed)" in client.get("/").content


def test_a_new_flag_shows_on_the_next_request(client):
    AgencyFactory(name="Royal Canadian Mounted Police")
    assert "it is not flagged" in client.get("/").content.decode()

    RulingFactory()
    flags_recompute()

    page = client.get("/").content.decode()
    assert "it is flagged" in page


def test_logged_in_users_always_get_a_fresh_page(client, editor):
    agency = AgencyFactory(name="Toronto Police Service")
    client.get("/")
    # A change that leaves the last-update time alone (a bulk update) is only seen fresh
    Agency.objects.filter(pk=agency.pk).update(name="Quietly renamed")

    anonymous = client.get("/").content.decode()
    client.force_login(editor)
    logged_in = client.get("/").content.decode()

    assert "Toronto Police Service" in anonymous
    assert "Quietly renamed" in logged_in
