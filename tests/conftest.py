import importlib

import pytest
from django.apps import apps
from django.core.cache import cache
from django.contrib.auth.models import Group, User
from rest_framework.test import APIClient

from agencies.models import Country

REFERENCE_DATA_MIGRATIONS = [
    ("agencies.migrations.0002_countries", "add_countries"),
    ("agencies.migrations.0003_european_union", "add_european_union"),
    ("tracker.migrations.0002_staff_groups", "add_groups"),
    ("tracker.migrations.0009_proceeding_permissions", "add_proceeding_permissions"),
]


@pytest.fixture(autouse=True)
def empty_cache():
    """Each test starts with an empty cache (cached pages, throttle and rate-limit counts)."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def reference_data(request):
    """Countries, the EU and the staff groups, as ``migrate`` installs them.

    Transactional tests (real workers, live servers) empty every table afterwards, so the
    data migrations' own functions put the reference data back when it is missing.
    """
    if not {"transactional_db", "live_server"} & set(request.fixturenames):
        return
    request.getfixturevalue("transactional_db")
    if Country.objects.exists() and Group.objects.exists():
        return
    for module, function in REFERENCE_DATA_MIGRATIONS:
        getattr(importlib.import_module(module), function)(apps, None)


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
