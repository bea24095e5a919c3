import pytest
from django.contrib.auth.models import Group, User
from rest_framework.test import APIClient


@pytest.fixture
def editor(db):
    """A staff member of the *editors* group: records and drafts, no status changes."""
    user = User.objects.create_user("editor", "editor@example.org", "pw", is_staff=True)
    user.groups.add(Group.objects.get(name="editors"))
    return user


@pytest.fixture
def publisher(db):
    """A staff member of the *publishers* group: may also change a ruling's status."""
    user = User.objects.create_user("publisher", "publisher@example.org", "pw", is_staff=True)
    user.groups.add(Group.objects.get(name="publishers"))
    return user


@pytest.fixture
def api_client():
    return APIClient()


# Fixtures for the real services (worker, SMTP server, browser) live in their own modules.
pytest_plugins = [
    "tests.fixtures.celery_worker",
    "tests.fixtures.smtp",
    "tests.fixtures.browser",
]
