"""What every answer tells the browser: a Content Security Policy without inline script,
no framing, a referrer policy, an opener policy, and no CORS permission for other sites."""

from html.parser import HTMLParser

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from agencies.models import Agency, Bloc, Country, Membership
from rulings.models import Regulator, Ruling
from tests.agencies.factories import AgencyFactory, country
from tests.rulings.factories import RegulatorFactory, RulingFactory
from tests.tracker.digests_support import SubscriptionFactory, path_of
from tests.tracker.factories import FlagFactory
from tracker.digests.links import manage_url, unsubscribe_url
from tracker.models import Digest, Flag, Subscription

pytestmark = pytest.mark.django_db

POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def policy(response) -> dict[str, str]:
    """The Content-Security-Policy header as {directive: sources}."""
    directives = (part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";"))
    return {name: sources for name, sources in directives}


class InlineCode(HTMLParser):
    """Collects what a policy without 'unsafe-inline' would block: inline scripts, event
    handler attributes, style blocks and style attributes."""

    def __init__(self):
        super().__init__()
        self.scripts, self.handlers, self.styles = [], [], []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.handlers += [f"<{tag} {name}>" for name in attributes if name.startswith("on")]
        if "style" in attributes:
            self.styles.append(f"<{tag} style={attributes['style']!r}>")
        if tag == "style":
            self.styles.append("<style> block")
        # A JSON data block is not run, so the policy does not apply to it.
        self._in_script = tag == "script" and "src" not in attributes and attributes.get("type") != "application/json"

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.scripts.append(data.strip()[:80])

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False


def inline_code(html: str) -> InlineCode:
    parser = InlineCode()
    parser.feed(html)
    return parser


@pytest.fixture
def site(db):
    regulator = RegulatorFactory(jurisdiction="CA")
    agency = AgencyFactory(country=country("CA"), subdivision="CA-ON")
    ruling = RulingFactory(regulator=regulator, scope=Ruling.Scope.AGENCIES, agencies=[agency])
    FlagFactory(agency=agency, ruling=ruling)
    subscription = SubscriptionFactory()
    return {"agency": agency, "ruling": ruling, "regulator": regulator, "subscription": subscription}


def public_pages(site) -> list[str]:
    return [
        "/",
        "/?country=ZZ&kind=nonsense",
        "/countries/",
        "/countries/CA/",
        "/rulings/",
        site["ruling"].get_absolute_url(),
        site["agency"].get_absolute_url(),
        "/rulings/feed/",
        "/no-such-page/",
        "/subscriptions/",
        "/subscriptions/requested/",
        "/subscriptions/confirm/forged/",
        path_of(manage_url(site["subscription"])),
        path_of(unsubscribe_url(site["subscription"])),
        "/api/v1/agencies/",
        "/api/v1/no-such-resource/",
        "/api/schema/",
        "/api/docs/",
        "/api/docs/?script=",
        "/static/tracker/site.css",
        reverse("admin:login"),
    ]


def admin_pages(site) -> list[str]:
    pages = [reverse("admin:index")]
    for model in (Agency, Country, Bloc, Membership, Regulator, Ruling, Flag, Subscription, Digest, User):
        prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        pages.append(reverse(f"{prefix}_changelist"))
    for model, record in ((Agency, site["agency"]), (Regulator, site["regulator"]), (Ruling, site["ruling"])):
        prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        pages += [reverse(f"{prefix}_add"), reverse(f"{prefix}_change", args=[record.pk]), reverse(f"{prefix}_history", args=[record.pk])]
    return pages


def test_every_public_page_and_api_answer_carries_the_policy_and_runs_no_inline_code(client, site):
    for url in public_pages(site):
        response = client.get(url)
        assert response.status_code < 500, url
        # Then the policy allows only this site's own files, and the page needs no more
        assert policy(response) == POLICY, url
        if not url.startswith("/static/"):  # a stylesheet is never framed; frame-ancestors covers it anyway
            assert response["X-Frame-Options"] == "DENY", url
        assert response["Referrer-Policy"] == "same-origin", url
        assert response["Cross-Origin-Opener-Policy"] == "same-origin", url
        assert response["X-Content-Type-Options"] == "nosniff", url
        if response["Content-Type"].startswith("text/html"):
            found = inline_code(b"".join(response).decode() if response.streaming else response.content.decode())
            assert (found.scripts, found.handlers, found.styles) == ([], [], []), url


def test_the_api_docs_load_swagger_ui_from_this_site(client):
    page = client.get("/api/docs/").content.decode()
    assert '<script src="/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js"' in page
    assert '<script src="/api/docs/?script="' in page
    assert "cdn" not in page.lower()
    script = client.get("/api/docs/?script=")
    assert script["Content-Type"].startswith("application/javascript")
    assert '"/api/schema/"' in script.content.decode()


def test_every_admin_page_carries_the_policy_and_runs_no_inline_script(client, site):
    # Given a superuser in the admin
    client.force_login(User.objects.create_superuser("root", "root@example.org", "pw"))
    for url in admin_pages(site):
        response = client.get(url)
        assert response.status_code == 200, url
        assert policy(response) == POLICY, url
        assert response["X-Frame-Options"] == "DENY", url
        # Django's admin needs no inline script or event handler (its data goes in JSON blocks).
        found = inline_code(response.content.decode())
        assert (found.scripts, found.handlers) == ([], []), url


# --- CORS ---------------------------------------------------------------------------------


def test_no_answer_lets_another_site_read_it(client, site):
    # Given a script on another site
    origin = {"HTTP_ORIGIN": "https://elsewhere.example"}
    urls = ["/api/v1/agencies/", "/api/v1/rulings/", "/api/schema/", "/api/v1/subscriptions/", "/", "/subscriptions/"]
    for url in urls:
        # When it sends a preflight for a write with a token, or a plain read
        preflight = client.options(
            url, HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST", HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization, content-type", **origin
        )
        read = client.get(url, **origin)
        # Then no answer grants it anything
        for response in (preflight, read):
            granted = [name for name in response.headers if name.lower().startswith("access-control-")]
            assert granted == [], (url, granted)
