"""A trainer runs a cohort in a real browser: creates it, invites by CSV, a trainee joins
with the code and completes a lesson, the trainer sees that progress and downloads the
progress matrix as XLSX. axe-core on every workspace page on the way."""

from __future__ import annotations

import io
import re

import pytest
from playwright.sync_api import expect

from tests.mfa import activate_totp, totp_code

from .test_journey import assert_accessible, assert_no_horizontal_scroll
from .test_learner_journey import label, log_in

pytestmark = pytest.mark.e2e

COURSE_TITLE = "Evidence and partnerships in migration policy"
COURSE_PATH = "/courses/evidence-and-partnerships/"
PASSWORD = "Harbour-Compass-7315"  # noqa: S105 - test credential
COHORT_NAME = "Border officials, Dakar"


def _user(email: str, full_name: str, role: str, permissions: tuple[str, ...] = ()):
    """A user with a verified address in the role's group. A previous transactional test
    may have emptied the database (groups come from a data migration), so the group is
    made again here with the permissions this test relies on (accounts/roles.py)."""
    from allauth.account.models import EmailAddress
    from django.contrib.auth.models import Group, Permission

    from accounts.models import User

    user = User.objects.create_user(email=email, password=PASSWORD, full_name=full_name)
    group, _ = Group.objects.get_or_create(name=role)
    for permission in permissions:
        app_label, codename = permission.split(".")
        group.permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    user.groups.add(group)

    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


def test_trainer_creates_a_cohort_invites_follows_a_trainee_and_downloads_xlsx(
    browser, live_server, course_content, axe_script, screenshot_dir
):
    from openpyxl import load_workbook

    site_url = live_server.url
    trainer = _user(
        "tess.trainer@example.org",
        "Tess Trainer",
        "Trainers",
        ("cohorts.add_cohort", "cohorts.change_cohort", "cohorts.view_cohort"),
    )
    activate_totp(trainer)
    _user("kofi.trainee@example.org", "Kofi Asante", "Trainees")

    contexts = []

    def new_page():
        context = browser.new_context(
            locale="en-GB", extra_http_headers={"Accept-Language": "en"}, accept_downloads=True
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    try:
        # The trainer logs in with two-factor authentication and reaches the workspace.
        page = new_page()
        page.goto(site_url + "/accounts/login/?next=/trainer/")
        log_in(page, "tess.trainer@example.org", PASSWORD)
        page.locator("input[name=code]").fill(totp_code())
        page.get_by_role("button", name=re.compile("^sign in$", re.IGNORECASE)).click()
        page.wait_for_url(re.compile(r"/trainer/$"))
        assert_accessible(page, axe_script)

        # A new cohort.
        page.get_by_role("link", name="New cohort").click()
        label(page, "Name").fill(COHORT_NAME)
        label(page, "Course").select_option(label=COURSE_TITLE)
        label(page, "Country").select_option(label="Senegal")
        label(page, "Region").select_option(label="Africa")
        label(page, "Start date").fill("2026-11-20")
        label(page, "End date").fill("2027-01-15")
        assert_accessible(page, axe_script)
        page.get_by_role("button", name="Create the cohort").click()
        page.wait_for_url(re.compile(r"/trainer/cohorts/\d+/$"))
        cohort_url = page.url
        expect(page.locator("h1")).to_contain_text(COHORT_NAME)
        code = page.locator("main code").first.inner_text().strip()
        assert re.fullmatch(r"[A-Z2-9]{8}", code), code

        # Invite by CSV: one new person (an account is created), one bad row refused first.
        page.get_by_role("link", name="Invite trainees").click()
        bad = "email,full_name,language\nnot-an-address,Nobody,en\n"
        label(page, "CSV file").set_input_files(
            files=[{"name": "trainees.csv", "mimeType": "text/csv", "buffer": bad.encode()}]
        )
        page.get_by_role("button", name="Check and import the file").click()
        expect(page.get_by_role("alert")).to_be_visible()
        expect(page.locator("main")).to_contain_text("not-an-address")
        assert_accessible(page, axe_script)
        good = "email,full_name,language\nmariam.invited@example.org,Mariam Invited,fr\n"
        label(page, "CSV file").set_input_files(
            files=[{"name": "trainees.csv", "mimeType": "text/csv", "buffer": good.encode()}]
        )
        page.get_by_role("button", name="Check and import the file").click()
        expect(page.locator("main")).to_contain_text("mariam.invited@example.org")
        assert_accessible(page, axe_script)

        # A trainee joins with the code (typed in lower case) and completes a lesson.
        learner = new_page()
        learner.goto(site_url + "/accounts/login/?next=/join/")
        log_in(learner, "kofi.trainee@example.org", PASSWORD)
        learner.wait_for_url(re.compile(r"/join/$"))
        label(learner, "Cohort code").fill(code.lower())
        learner.get_by_role("button", name="Find the cohort").click()
        expect(learner.locator("h1")).to_contain_text(COHORT_NAME)
        assert_accessible(learner, axe_script)
        learner.get_by_role("button", name="Join the cohort").click()
        learner.wait_for_url(re.compile(re.escape(COURSE_PATH) + "$"))
        start = re.compile("^(Start the course|Continue where you left off)$")
        learner.get_by_role("complementary", name="Your progress").get_by_role(
            "link", name=start
        ).click()
        panel = learner.locator("section.learning-panel")
        panel.get_by_role("button", name="Mark this lesson as completed").click()
        expect(panel.get_by_text("You have completed this lesson.")).to_be_visible()

        # The trainer sees both trainees, and Kofi's progress.
        page.goto(cohort_url)
        matrix = page.locator("main table").first
        kofi = matrix.locator("tr", has_text="Kofi Asante")
        expect(kofi).to_contain_text("1/")
        expect(matrix.locator("tr", has_text="Mariam Invited")).to_contain_text("0/")
        assert_accessible(page, axe_script)
        page.screenshot(path=screenshot_dir / "cohort-page.png", full_page=True)
        assert_no_horizontal_scroll(page, screenshot=screenshot_dir / "cohort-page-320.png")
        page.set_viewport_size({"width": 1280, "height": 900})

        # The progress matrix as XLSX, prepared by a task, with a download link when ready.
        page.get_by_label("XLSX").check()
        page.get_by_role("button", name="Export the progress matrix").click()
        page.wait_for_url(re.compile(r"/trainer/exports/\d+/$"))
        link = page.get_by_role("link", name=re.compile("^Download the file"))
        expect(link).to_be_visible()
        assert_accessible(page, axe_script)
        with page.expect_download() as download_info:
            link.click()
        download = download_info.value
        assert download.suggested_filename.endswith(".xlsx")
        with open(download.path(), "rb") as handle:
            workbook = load_workbook(io.BytesIO(handle.read()), read_only=True)
        cells = [
            str(value)
            for sheet in workbook.worksheets
            for row in sheet.iter_rows(values_only=True)
            for value in row
            if value is not None
        ]
        assert "Kofi Asante" in cells
        assert "Mariam Invited" in cells
    finally:
        for context in contexts:
            context.close()
