"""Searching the guidance in a real browser: results with facets, the autocomplete combobox
by keyboard, and the same page without JavaScript."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from .test_journey import assert_accessible, assert_no_horizontal_scroll

pytestmark = pytest.mark.e2e


@pytest.fixture
def searchable(demo_content):
    """The demo modules and lessons, written to the guidance index."""
    from search.indexing import rebuild_all

    rebuild_all()


def test_search_filter_and_remove_the_filter(page, site_url, searchable, axe_script):
    page.goto(site_url + "/search/?q=migrants")
    status = page.get_by_role("status").filter(has_text="results for")
    expect(status).to_contain_text(re.compile(r"\d+ results for “migrants”"))
    total = int(re.match(r"(\d+)", status.inner_text()).group(1))
    expect(page.locator("mark").first).to_be_visible()
    assert_accessible(page, axe_script)
    assert_no_horizontal_scroll(page)

    filters = page.get_by_role("navigation", name="Filters")
    filters.get_by_role("link", name=re.compile(r"^Lesson \d+")).first.click()
    expect(status).not_to_contain_text(f"{total} results")
    narrowed = int(re.match(r"(\d+)", status.inner_text()).group(1))
    assert 0 < narrowed < total
    kinds = page.locator(".result-kind").all_inner_texts()
    assert kinds and set(kinds) == {"Lesson"}

    page.get_by_role("link", name=re.compile(r"Remove filter: .*Lesson")).first.click()
    expect(status).to_contain_text(f"{total} results")


def test_autocomplete_finds_an_indicator_by_code_with_the_keyboard(page, site_url, searchable):
    page.goto(site_url + "/search/")
    box = page.get_by_role("combobox", name="Search for")
    box.press_sequentially("2.1", delay=80)
    listbox = page.get_by_role("listbox")
    expect(listbox).to_be_visible()
    expect(listbox.get_by_role("option").first).to_contain_text("2.1")
    box.press("ArrowDown")
    expect(box).to_have_attribute("aria-activedescendant", re.compile(r".+"))
    box.press("Enter")
    expect(page).to_have_url(re.compile(r"/indicators/.+/.+/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("2.1")


def test_search_works_without_javascript(browser, live_server, searchable):
    context = browser.new_context(java_script_enabled=False, locale="en-GB")
    try:
        page = context.new_page()
        page.goto(live_server.url + "/search/")
        page.get_by_label("Search for").fill("lesson")
        page.get_by_role("button", name="Search").click()
        found = page.get_by_role("status").filter(has_text=re.compile(r"\d+ results? for “lesson”"))
        expect(found).to_be_visible()
        expect(page.get_by_role("navigation", name="Filters")).to_be_visible()
    finally:
        context.close()
