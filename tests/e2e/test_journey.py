"""A trainee's journey through the site in a real browser, with axe-core on every page."""

from __future__ import annotations

import re

import pytest
from django.utils import translation

pytestmark = pytest.mark.e2e

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
BLOCKING_IMPACTS = {"serious", "critical"}
NARROW = 320


def assert_accessible(page, axe_script) -> None:
    """axe-core finds no serious or critical WCAG 2.2 AA violation on the current page."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # Evaluated by the browser's debugging protocol: a <script> tag added to the page
        # would be inline code without the nonce, which the site's CSP rightly blocks.
        page.evaluate(axe_script.read_text(encoding="utf-8"))
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: tags})"
        ".then(r => r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
        " targets: v.nodes.map(n => n.target.join(' ')).slice(0, 8)})))",
        AXE_TAGS,
    )
    blocking = [v for v in result if v["impact"] in BLOCKING_IMPACTS]
    report = "\n".join(
        f"  [{v['impact']}] {v['id']}: {v['help']} -> {v['targets']}" for v in blocking
    )
    assert not blocking, f"axe violations on {page.url}:\n{report}"


def assert_no_horizontal_scroll(page, width: int = NARROW, screenshot=None) -> None:
    """At a phone's width the document itself never scrolls sideways (WCAG 1.4.10 Reflow)."""
    original = page.viewport_size
    page.set_viewport_size({"width": width, "height": 800})
    try:
        if screenshot is not None:
            page.screenshot(path=screenshot, full_page=True)
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        if scroll_width > width + 1:
            culprits = page.evaluate(
                """limit => [...document.querySelectorAll('body *')]
                    .filter(el => el.getBoundingClientRect().right > limit + 1)
                    .slice(0, 8)
                    .map(el => el.tagName.toLowerCase() + (el.className ? '.' + el.className : '')
                         + ' right=' + Math.round(el.getBoundingClientRect().right))""",
                width,
            )
            pytest.fail(
                f"{page.url} scrolls sideways at {width}px (scrollWidth {scroll_width}); "
                f"widest elements: {culprits}"
            )
    finally:
        page.set_viewport_size(original)


def test_learning_journey(page, site_url, demo_content, axe_script, screenshot_dir):
    """Home → MIGOF → P1 → module → lesson → Indicators → crosswalk, each page accessible."""
    page.goto(site_url + "/")
    assert_accessible(page, axe_script)
    assert_no_horizontal_scroll(page, screenshot=screenshot_dir / "home-320.png")
    page.screenshot(path=screenshot_dir / "home.png", full_page=True)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="MIGOF").click()
    page.wait_for_url(re.compile(r"/migof/$"))
    assert_accessible(page, axe_script)

    page.locator("main").get_by_role("link", name=re.compile(r"^P1\b")).click()
    page.wait_for_url(re.compile(r"/migof/p1/$"))
    assert page.locator("h1").inner_text().startswith("P1")
    assert_accessible(page, axe_script)
    assert_no_horizontal_scroll(page, screenshot=screenshot_dir / "element-320.png")

    module_link = page.locator("#modules + .cards a").first
    module_title = module_link.inner_text()
    module_link.click()
    page.wait_for_url(re.compile(r"/migof/p1/[^/]+/$"))
    assert page.locator("h1").inner_text() == module_title
    assert_accessible(page, axe_script)

    lesson_link = page.locator(".lesson-list a").first
    lesson_title = lesson_link.inner_text()
    lesson_link.click()
    page.wait_for_url(re.compile(r"/migof/p1/[^/]+/[^/]+/$"))
    assert page.locator("h1").inner_text() == lesson_title
    assert_accessible(page, axe_script)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Indicators").click()
    page.wait_for_url(re.compile(r"/indicators/$"))
    assert_accessible(page, axe_script)

    page.get_by_role("link", name=re.compile("crosswalk", re.IGNORECASE)).first.click()
    page.wait_for_url(re.compile(r"/indicators/crosswalk/$"))
    assert page.locator("table").count() >= 1
    assert_accessible(page, axe_script)
    assert_no_horizontal_scroll(page, screenshot=screenshot_dir / "crosswalk-320.png")
    page.screenshot(path=screenshot_dir / "crosswalk.png", full_page=True)
    print(f"screenshots in {screenshot_dir}")


def test_skip_link_is_first_and_moves_focus_to_main(page, site_url):
    page.goto(site_url + "/")
    page.keyboard.press("Tab")
    focused = page.evaluate(
        """() => {
            const el = document.activeElement;
            return {cls: el.className, href: el.getAttribute('href'),
                    visible: el.getBoundingClientRect().top >= 0};
        }"""
    )
    assert focused == {"cls": "skip-link", "href": "#main", "visible": True}
    page.keyboard.press("Enter")
    page.wait_for_function("document.activeElement && document.activeElement.id === 'main'")
    assert page.url.endswith("#main")


def test_language_switcher_changes_interface_to_french(page, site_url, axe_script):
    page.goto(site_url + "/migof/")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator(".skip-link").inner_text() == "Skip to main content"

    page.locator(".language-switcher button[value='fr']").click()
    page.wait_for_function("document.documentElement.lang === 'fr'")
    assert page.url.endswith("/migof/"), "the switch returns to the page it was made on"
    assert (
        page.locator(".language-switcher button[value='fr']").get_attribute("aria-current")
        == "true"
    )
    with translation.override("fr"):
        expected = translation.gettext("Skip to main content")
    if expected != "Skip to main content":  # only when the catalogue is compiled (`make messages`)
        assert page.locator(".skip-link").inner_text() == expected
    assert_accessible(page, axe_script)

    page.goto(site_url + "/")
    assert page.locator("html").get_attribute("lang") == "fr", "the choice persists"


def test_unknown_url_shows_the_sites_404_page(page, site_url, axe_script):
    response = page.goto(site_url + "/no-such-page-here/")
    assert response is not None and response.status == 404
    assert page.locator("h1").inner_text() == "Page not found"
    assert page.locator("header.site-header").count() == 1
    assert page.get_by_role("search").count() == 1
    assert_accessible(page, axe_script)
