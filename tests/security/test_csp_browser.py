"""The Content Security Policy in a real headless Chromium: the public site, the API
documentation and the admin all work under it, and the browser reports no violation."""

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import expect

from tests.agencies.factories import AgencyFactory, country
from tests.rulings.factories import RegulatorFactory, RulingFactory

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def records(transactional_db):
    agency = AgencyFactory(name="Toronto Police Service", country=country("CA"), subdivision="CA-ON")
    RulingFactory(regulator=RegulatorFactory(jurisdiction="CA"), scope="agencies", agencies=[agency])
    User.objects.create_superuser("curator", "curator@example.org", "a long staff passphrase")


def watch_for_violations(page) -> list[str]:
    """Messages of blocked content and script errors, as the browser reports them."""
    problems = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    return problems


def test_the_site_docs_and_admin_run_under_the_policy(records, browser_page):
    page = browser_page
    problems = watch_for_violations(page)

    # The public table and the subscription form
    page.goto("/")
    expect(page.get_by_role("link", name="Toronto Police Service", exact=True)).to_be_visible()
    page.goto("/subscriptions/")
    expect(page.get_by_label("Email address")).to_be_visible()

    # The API documentation: Swagger UI starts from its own script file and draws the schema
    page.goto("/api/docs/")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Regulatory-status tracker API")
    expect(page.locator(".opblock-summary-path").first).to_be_visible()

    # The admin: log in through the form, then a page whose widgets need the admin's scripts
    page.goto("/admin/")
    page.get_by_label("Username").fill("curator")
    page.get_by_label("Password").fill("a long staff passphrase")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Site administration")).to_be_visible()
    page.goto("/admin/rulings/ruling/add/")
    page.locator(".select2-selection").first.click()  # the autocomplete opens and asks the server
    expect(page.locator(".select2-results__option").first).to_be_visible()

    assert [problem for problem in problems if "Content Security Policy" in problem or "Refused" in problem] == []
    assert [problem for problem in problems if "Error" in problem] == []
