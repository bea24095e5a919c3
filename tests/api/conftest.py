import pytest
from django.contrib.auth.models import Permission, User
from django.core.cache import cache
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient


def client_for(user) -> APIClient:
    """An API client sending the user's token, as a script would."""
    token, _ = Token.objects.get_or_create(user=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture(autouse=True)
def fresh_throttle_counts():
    """Rate-limit counters live in the cache; every test starts with none."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def editor_client(editor):
    return client_for(editor)


@pytest.fixture
def publisher_client(publisher):
    return client_for(publisher)


@pytest.fixture
def reader(db):
    """A user with an account and a token but no permission at all."""
    return User.objects.create_user("reader", "reader@example.org", "pw")


@pytest.fixture
def reader_client(reader):
    return client_for(reader)


@pytest.fixture
def partner(db):
    """A partner NGO's account: not staff, holding the model permissions to write agencies."""
    user = User.objects.create_user("partner", "partner@example.org", "pw")
    user.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="agencies", codename__in=["add_agency", "change_agency"])
    )
    return user


@pytest.fixture
def partner_client(partner):
    return client_for(partner)
