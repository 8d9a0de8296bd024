"""Real-browser tests: Debian's Chromium driven by Playwright against pytest-django's live server.

Playwright's own browser download is not used; the browser is Debian's Chromium
(`make browser` installs it and axe-core). Set CHROMIUM to use another binary.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; Django's ORM calls made by
# fixtures while it runs would otherwise raise SynchronousOnlyOperation.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

REPO = Path(__file__).resolve().parents[2]
AXE_JS = REPO / "node_modules" / "axe-core" / "axe.min.js"
DEFAULT_CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _unavailable(reason: str) -> None:
    """In CI a missing browser is a failure; on a bare workstation the tests are skipped."""
    if os.environ.get("CI"):
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason)


def _find_chromium() -> str | None:
    candidates = [os.environ.get("CHROMIUM"), DEFAULT_CHROMIUM]
    candidates += [shutil.which(name) for name in ("chromium", "chromium-browser")]
    for candidate in candidates:
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


def _install_chromium() -> None:
    """What `make browser` does, for a run that skipped it. Best effort, never fatal."""
    if os.environ.get("CHROMIUM") or not shutil.which("apt-get"):
        return
    if hasattr(os, "geteuid") and os.geteuid() != 0:
        return
    for command in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "chromium"]):
        try:
            subprocess.run(command, check=True, capture_output=True, timeout=900)
        except (OSError, subprocess.SubprocessError):
            return


def _install_axe() -> None:
    if not shutil.which("npm"):
        return
    try:
        subprocess.run(
            ["npm", "ci", "--silent", "--no-audit", "--no-fund"],
            cwd=REPO,
            check=True,
            capture_output=True,
            timeout=600,
        )
    except (OSError, subprocess.SubprocessError):
        return


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = _find_chromium()
    if path is None:
        _install_chromium()
        path = _find_chromium()
    if path is None:
        _unavailable(
            f"Chromium not found at {DEFAULT_CHROMIUM} (or $CHROMIUM) and could not be "
            "installed; run `make browser`"
        )
    return path


@pytest.fixture(scope="session")
def axe_script() -> Path:
    if not AXE_JS.is_file():
        _install_axe()
    if not AXE_JS.is_file():
        _unavailable("node_modules/axe-core/axe.min.js is missing; run `make browser`")
    return AXE_JS


@pytest.fixture(scope="session")
def browser(chromium_path):
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        new_context = browser.new_context

        def new_context_watching_the_csp(*args, **kwargs):
            context = new_context(*args, **kwargs)
            context.on("console", _record_csp_violation)
            return context

        browser.new_context = new_context_watching_the_csp
        yield browser
        browser.close()


# What the Content-Security-Policy blocked in any browser context of the running test.
_BLOCKED: list[str] = []


def _csp_violation(message) -> str | None:
    """What the browser's console says the Content-Security-Policy blocked (Chromium logs
    every violation; report-only ones, on Wagtail's admin, block nothing)."""
    text = message.text
    if "Content Security Policy" not in text:
        return None
    if "[Report Only]" in text or "policy is report-only" in text:
        return None
    return f"{message.location.get('url', '?')}: {text}"


def _record_csp_violation(message) -> None:
    violation = _csp_violation(message)
    if violation:
        _BLOCKED.append(violation)


@pytest.fixture(autouse=True)
def _nothing_blocked_by_the_csp():
    """A test fails if the site's Content-Security-Policy blocked anything (a script, a
    style, a frame) in any page it opened: the page would not look or work as built."""
    _BLOCKED.clear()
    yield
    blocked, _BLOCKED[:] = list(_BLOCKED), []
    assert not blocked, "The Content-Security-Policy blocked:\n" + "\n".join(blocked)


@pytest.fixture
def page(browser):
    """A fresh browser context (no cookies) per test, in English, at a laptop width."""
    context = browser.new_context(
        locale="en-GB",
        extra_http_headers={"Accept-Language": "en"},
        viewport={"width": 1280, "height": 900},
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture(scope="session")
def screenshot_dir(tmp_path_factory) -> Path:
    """Where screenshots go: $E2E_SCREENSHOT_DIR if set, else a pytest temp directory."""
    wanted = os.environ.get("E2E_SCREENSHOT_DIR")
    if wanted:
        path = Path(wanted)
        path.mkdir(parents=True, exist_ok=True)
        return path
    return tmp_path_factory.mktemp("screenshots")


def _ensure_demo_lesson() -> None:
    """The journey needs one module with one lesson under P1, whatever the demo data holds."""
    from framework_content.models import FrameworkElementPage, LessonPage, ModulePage

    if LessonPage.objects.live().exists():
        return
    element = FrameworkElementPage.objects.get(code="P1")
    module = ModulePage.objects.child_of(element).first()
    if module is None:
        module = ModulePage(
            title="International standards in practice",
            slug="international-standards-in-practice",
            summary="How a government shows that its migration policy respects migrants' rights.",
            learning_outcomes=[("outcome", "Name the instruments that bind your country.")],
        )
        element.add_child(instance=module)
        module.save_revision().publish()
    lesson = LessonPage(
        title="Rights that apply to every migrant",
        slug="rights-that-apply-to-every-migrant",
        summary="Why good migration governance starts from international law.",
        body=[
            ("heading", "What the principle asks"),
            ("paragraph", "<p>Good migration governance adheres to international standards.</p>"),
        ],
    )
    module.add_child(instance=lesson)
    lesson.save_revision().publish()


@pytest.fixture
def site_content(transactional_db):
    """The framework as `make run` loads it, in the live server's database (rebuilt after
    the previous transactional test's flush, see tests/sitebase.py)."""
    from django.core.cache import cache

    from framework_content.loading import load_framework
    from tests.sitebase import ensure_site_base

    cache.clear()  # Wagtail caches site root paths; the previous test's pages are gone
    ensure_site_base()
    load_framework()


@pytest.fixture
def demo_content(site_content):
    """Plus the demo modules and lessons, with one P1 lesson guaranteed."""
    from framework_content.demo import load_demo_content

    load_demo_content()
    _ensure_demo_lesson()


@pytest.fixture
def site_url(live_server, site_content) -> str:
    return live_server.url


@pytest.fixture
def course_content(demo_content):
    """Plus the demo course catalogue at /courses/ and its two courses."""
    from courses.demo import load_demo_courses

    load_demo_courses()
