"""A learner's whole journey in a real browser: sign up, verify the e-mail, join a course,
complete every lesson, download the certificate and verify it, with axe-core on the way."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from .test_journey import assert_accessible, assert_no_horizontal_scroll

pytestmark = pytest.mark.e2e

COURSE_TITLE = "Evidence and partnerships in migration policy"
COURSE_PATH = "/courses/evidence-and-partnerships/"
LEARNER_NAME = "Amina Okafor-Lindqvist"
LEARNER_EMAIL = "amina.learner@example.org"
PASSWORD = "Corridor-Lantern-4821"  # noqa: S105
CONFIRM_LINK = re.compile(r"https?://\S+/accounts/confirm-email/\S+")


def label(page, text: str):
    """The form control labelled `text` (Django adds a colon to its labels)."""
    return page.get_by_label(re.compile("^" + re.escape(text) + ":?$"))


def sign_up(page, site_url: str) -> None:
    """Fill allauth's sign-up form by its labels, as a person would."""
    page.goto(site_url + "/accounts/signup/")
    label(page, "Full name").fill(LEARNER_NAME)
    label(page, "Email").fill(LEARNER_EMAIL)
    label(page, "Password").fill(PASSWORD)
    label(page, "Password (again)").fill(PASSWORD)
    label(page, "Country").select_option(label="Kenya")
    label(page, "Organisation").fill("Ministry of Interior")
    label(page, "Position").fill("Policy officer")
    label(page, "Preferred language").select_option(label="English")
    page.get_by_role("button", name=re.compile("^sign up$", re.IGNORECASE)).click()
    page.wait_for_url(re.compile(r"/accounts/confirm-email/$"))


def confirm_email(page) -> None:
    """Open the link in the verification e-mail and confirm the address."""
    messages = [m for m in mail.outbox if LEARNER_EMAIL in m.to]
    assert len(messages) == 1, [m.subject for m in mail.outbox]
    match = CONFIRM_LINK.search(messages[0].body)
    assert match, messages[0].body
    page.goto(match.group(0))
    page.get_by_role("button", name="Confirm").click()
    expect(page).not_to_have_url(match.group(0))


def log_in(page, email: str, password: str) -> None:
    label(page, "Email").fill(email)
    label(page, "Password").fill(password)
    page.locator("main").get_by_role(
        "button", name=re.compile(r"^(sign in|log in)$", re.IGNORECASE)
    ).click()


def account_nav(page):
    return page.get_by_role("navigation", name="Account")


def test_learner_signs_up_completes_a_course_and_verifies_the_certificate(
    page, live_server, course_content, axe_script, screenshot_dir
):
    site_url = live_server.url
    mail.outbox.clear()

    # Sign up and verify the e-mail address; log in if confirming did not.
    sign_up(page, site_url)
    confirm_email(page)
    if account_nav(page).get_by_role("link", name="My learning").count() == 0:
        page.goto(site_url + "/accounts/login/")
        log_in(page, LEARNER_EMAIL, PASSWORD)
    expect(account_nav(page).get_by_role("link", name="My learning")).to_be_visible()

    # The catalogue, filtered by an element.
    page.goto(site_url + "/courses/")
    assert page.locator("h1").inner_text() == "Courses"
    assert_accessible(page, axe_script)
    page.get_by_label("MIGOF element", exact=True).select_option(value="P3")
    page.get_by_role("button", name="Show courses").click()
    page.wait_for_url(re.compile(r"/courses/\?.*element=P3"))
    cards = page.locator("main .cards > li.card")
    assert cards.count() >= 1
    for index in range(cards.count()):
        assert "P3" in cards.nth(index).locator(".tag").all_inner_texts()
    assert_accessible(page, axe_script)
    page.screenshot(path=screenshot_dir / "catalogue.png", full_page=True)

    # The course page, before and after joining.
    page.get_by_role("link", name=COURSE_TITLE).click()
    page.wait_for_url(re.compile(re.escape(COURSE_PATH) + "$"))
    assert page.locator("h1").inner_text() == COURSE_TITLE
    assert_accessible(page, axe_script)
    page.get_by_role("button", name="Join this course").click()
    page.wait_for_url(re.compile(re.escape(COURSE_PATH) + "$"))
    expect(page.locator(".messages")).to_contain_text(f"You have joined “{COURSE_TITLE}”.")
    expect(page.get_by_role("button", name="Leave this course")).to_be_visible()
    assert_accessible(page, axe_script)

    # Every lesson, in order, across the module boundary.
    outline = page.locator("ol.outline > li")
    assert outline.count() == 2, "one module for P2 and one for P3"
    lesson_titles = page.locator("ol.outline > li ol a").all_inner_texts()
    assert len(lesson_titles) == 5
    start = re.compile("^(Start the course|Continue where you left off)$")
    page.get_by_role("complementary", name="Your progress").get_by_role("link", name=start).click()

    course_nav = page.get_by_role("navigation", name="Course navigation")
    for position, title in enumerate(lesson_titles, start=1):
        page.wait_for_url(re.compile(r"/migof/p[23]/[^/]+/[^/]+/\?course=\d+$"))
        assert page.locator("h1").inner_text() == title
        panel = page.locator("section.learning-panel")
        assert COURSE_TITLE in panel.get_by_role("heading", level=2).inner_text()
        if position == 1:
            assert_accessible(page, axe_script)
        panel.get_by_role("button", name="Mark this lesson as completed").click()
        expect(panel.get_by_text("You have completed this lesson.")).to_be_visible()
        expect(panel.get_by_text(f"{position} of 5 done")).to_be_visible()
        if position == 2:
            assert_accessible(page, axe_script)  # the panel in its completed state
            page.screenshot(path=screenshot_dir / "lesson-panel.png", full_page=True)
            expect(panel.get_by_text("Course progress", exact=True)).to_be_visible()
            expect(panel.get_by_text("Module progress", exact=True)).to_be_visible()
            assert_no_horizontal_scroll(page, screenshot=screenshot_dir / "lesson-panel-320.png")
        if position < len(lesson_titles):
            course_nav.get_by_role("link", name=f"Next: {lesson_titles[position]}").click()
        else:
            course_nav.get_by_role("link", name="Back to the course").click()

    # The course page shows completion.
    page.wait_for_url(re.compile(re.escape(COURSE_PATH) + "$"))
    progress_panel = page.get_by_role("complementary", name="Your progress")
    expect(progress_panel.get_by_text(re.compile(r"^Completed on "))).to_be_visible()
    expect(progress_panel.get_by_text("5 of 5 done (100%)")).to_be_visible()
    expect(page.locator("ol.outline .done")).to_have_count(5)
    page.screenshot(path=screenshot_dir / "course-completed.png", full_page=True)

    # The dashboard, through the header link.
    account_nav(page).get_by_role("link", name="My learning").click()
    page.wait_for_url(re.compile(r"/dashboard/$"))
    download_link = page.get_by_role("link", name="Download the certificate (PDF)")
    if download_link.count() == 0:  # the certificate task may finish just after the page
        page.reload()
    assert download_link.count() == 1
    assert page.locator("main").get_by_role("link", name=COURSE_TITLE).count() == 1
    expect(page.locator("main")).to_contain_text("You have no course in progress.")
    assert_accessible(page, axe_script)
    page.screenshot(path=screenshot_dir / "dashboard.png", full_page=True)

    with page.expect_download() as download_info:
        download_link.click()
    download = download_info.value
    assert re.fullmatch(r"certificate-[A-Z0-9-]+\.pdf", download.suggested_filename)
    with open(download.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"

    # The public verification page.
    page.get_by_role("link", name="Verification page").click()
    page.wait_for_url(re.compile(r"/certificates/verify/[A-Z0-9-]+/$"))
    main = page.locator("main")
    expect(main.get_by_text("This certificate is valid.")).to_be_visible()
    expect(main.get_by_text(LEARNER_NAME, exact=True)).to_be_visible()
    expect(main.get_by_text(COURSE_TITLE, exact=True)).to_be_visible()
    assert_accessible(page, axe_script)
    page.screenshot(path=screenshot_dir / "certificate-verify.png", full_page=True)


def test_log_in_to_join_returns_to_the_course(page, live_server, course_content, axe_script):
    from allauth.account.models import EmailAddress
    from django.contrib.auth import get_user_model

    email = "returning.learner@example.org"
    user = get_user_model().objects.create_user(
        email=email, password=PASSWORD, full_name="Returning Learner"
    )
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)

    page.goto(live_server.url + COURSE_PATH)
    page.get_by_role("link", name="Log in to join").click()
    page.wait_for_url(re.compile(r"/accounts/login/\?next=" + re.escape(COURSE_PATH)))
    log_in(page, email, PASSWORD)
    page.wait_for_url(re.compile(re.escape(COURSE_PATH) + "$"))
    expect(page.get_by_role("button", name="Join this course")).to_be_visible()
