"""The Content-Security-Policy breaks neither Wagtail's admin (where it is report-only) nor
Wagtail's user bar on the site (where it is enforced). Every e2e test fails when the policy
blocked something (tests/e2e/conftest.py); this one visits the pages only staff see."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.mfa import activate_totp, totp_code

from .test_learner_journey import log_in

pytestmark = pytest.mark.e2e

PASSWORD = "Lantern-Meadow-4821"  # noqa: S105 - test credential


def test_an_administrator_edits_a_page_and_uses_the_user_bar(page, site_url):
    from allauth.account.models import EmailAddress
    from wagtail.models import Site

    from accounts.models import User

    email = "ada.admin@example.org"
    admin = User.objects.create_superuser(email=email, password=PASSWORD)
    EmailAddress.objects.create(user=admin, email=email, verified=True, primary=True)
    activate_totp(admin)
    home = Site.objects.get(is_default_site=True).root_page

    page.goto(site_url + "/accounts/login/?next=/admin/")
    log_in(page, email, PASSWORD)
    page.locator("input[name=code]").fill(totp_code())
    page.get_by_role("button", name=re.compile("^sign in$", re.IGNORECASE)).click()
    page.wait_for_url(re.compile(r"/admin/$"))

    # The page editor, scripts and rich text editor included, works under the admin's policy.
    response = page.goto(f"{site_url}/admin/pages/{home.pk}/edit/")
    assert response.headers.get("content-security-policy-report-only")
    expect(page.locator(".Draftail-Editor").first).to_be_visible()
    expect(page.locator("#id_title")).to_have_value(home.title)

    # On the site, under the strict policy, Wagtail's user bar opens.
    page.goto(site_url + "/")
    trigger = page.locator("wagtail-userbar").locator("[data-wagtail-userbar-trigger]")
    expect(trigger).to_be_visible()
    trigger.click()
    expect(page.locator("wagtail-userbar").locator("#wagtail-userbar-items")).to_be_visible()
