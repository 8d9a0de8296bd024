"""The security headers of real responses: a Content-Security-Policy that a browser enforces
on the site (nonce-based, never 'unsafe-inline') and only reports on Wagtail's admin, and,
under the production settings, HSTS, secure cookies and the other headers Django sends.

Each page's markup is read as a browser would: every inline <script> and <style> must carry
the nonce its response's header names, and no element may have a style="" attribute or an
on…= handler (a strict policy blocks both: the page would look or work differently).
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group
from django.http import HttpResponse
from django.template import Context, Template
from django.test import Client, RequestFactory
from django.urls import reverse
from wagtail.embeds.embeds import get_embed_hash
from wagtail.embeds.models import Embed

from accounts.choices import Role
from accounts.models import User
from framework_content.models import FrameworkElementPage, LessonPage, ModulePage
from tests.mfa import activate_totp
from training_site import page_cache
from training_site.csp import SiteCSPMiddleware

pytestmark = pytest.mark.django_db

BASE_DIR = Path(__file__).resolve().parents[2]
CSP = "Content-Security-Policy"
CSP_REPORT_ONLY = "Content-Security-Policy-Report-Only"
VIDEO_URL = "https://www.youtube.com/watch?v=csp-test"


# --- reading a policy and a page ------------------------------------------------------------


def directives(header: str) -> dict[str, list[str]]:
    policy = {}
    for part in header.split(";"):
        name, *sources = part.split()
        policy[name] = sources
    return policy


class _Markup(HTMLParser):
    """Inline scripts and styles (with their nonce), external scripts and stylesheets,
    frames, and every style="" or on…= attribute."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.inline: list[tuple[str, str | None]] = []  # (tag, nonce)
        self.sources: list[tuple[str, str]] = []  # (tag, url)
        self.inline_attributes: list[tuple[str, str]] = []  # (tag, attribute)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        for name in attributes:
            if name == "style" or name.startswith("on"):
                self.inline_attributes.append((tag, name))
        if tag == "script":
            kind = (attributes.get("type") or "text/javascript").lower()
            if kind in ("application/json", "application/ld+json", "text/template"):
                return  # a data block: never run, so not governed by script-src
            if attributes.get("src"):
                self.sources.append(("script", attributes["src"]))
            else:
                self.inline.append(("script", attributes.get("nonce")))
        elif tag == "style":
            self.inline.append(("style", attributes.get("nonce")))
        elif tag == "link" and "stylesheet" in (attributes.get("rel") or ""):
            self.sources.append(("link", attributes.get("href") or ""))
        elif tag == "iframe":
            self.sources.append(("iframe", attributes.get("src") or ""))


def markup(html: str) -> _Markup:
    parser = _Markup()
    parser.feed(html)
    parser.close()
    return parser


def _allowed(url: str, sources: list[str], host: str) -> bool:
    parts = urlsplit(url)
    if not parts.netloc:  # relative: this origin
        return "'self'" in sources
    if parts.netloc == host:
        return "'self'" in sources
    return f"{parts.scheme or 'https'}://{parts.netloc}" in sources


def assert_strict_policy(header: str) -> dict[str, list[str]]:
    """The site's policy: what a browser enforces on the public and learners' pages."""
    policy = directives(header)
    assert "'unsafe-inline'" not in header
    assert "'unsafe-eval'" not in header
    assert policy["default-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["form-action"] == ["'self'"]
    assert policy["img-src"] == ["'self'", "data:"]
    for name in ("script-src", "style-src"):
        assert policy[name][0] == "'self'"
        assert all(s == "'self'" or s.startswith("'nonce-") for s in policy[name]), policy[name]
    return policy


def assert_page_obeys(response, header_name: str = CSP) -> dict[str, list[str]]:
    """Everything the page needs is allowed by its own policy, so a browser blocks nothing."""
    assert response.status_code == 200, response.status_code
    header = response[header_name]
    policy = assert_strict_policy(header)
    if header_name == CSP:
        assert policy["frame-ancestors"] == ["'none'"]
    page = markup(response.content.decode())
    assert page.inline_attributes == [], page.inline_attributes
    nonces = {s[len("'nonce-") : -1] for s in policy["script-src"] if s.startswith("'nonce-")}
    for tag, nonce in page.inline:
        assert nonce is not None, f"an inline <{tag}> without a nonce"
        assert nonce in nonces, f"an inline <{tag}> whose nonce the header does not name"
    host = "testserver"
    for tag, url in page.sources:
        directive = {"script": "script-src", "link": "style-src", "iframe": "frame-src"}[tag]
        assert _allowed(url, policy[directive], host), (tag, url, policy[directive])
    return policy


# --- content --------------------------------------------------------------------------------


@pytest.fixture
def lesson(framework) -> LessonPage:
    """A lesson with a video: the embed is YouTube's iframe, as its oEmbed answer gives it."""
    Embed.objects.create(
        url=VIDEO_URL,
        hash=get_embed_hash(VIDEO_URL),
        type="video",
        html=(
            '<iframe width="200" height="113" src="https://www.youtube.com/embed/csp-test'
            '?feature=oembed" frameborder="0" allowfullscreen title="A video"></iframe>'
        ),
        provider_name="YouTube",
    )
    element = FrameworkElementPage.objects.get(code="P1")
    module = ModulePage(title="Headers module", slug="headers-module", summary="About headers.")
    element.add_child(instance=module)
    lesson = LessonPage(
        title="Headers lesson",
        slug="headers-lesson",
        body=[
            ("paragraph", "<p>What the principle asks.</p>"),
            (
                "video",
                {"video": VIDEO_URL, "title": "A talk", "transcript": "<p>The words.</p>"},
            ),
        ],
    )
    module.add_child(instance=lesson)
    return lesson


def staff(email: str, role: Role) -> User:
    user = User.objects.create_user(email=email, password="pw-0123456789")  # noqa: S106
    user.groups.add(Group.objects.get(name=role.value))
    activate_totp(user)
    return user


# --- the site's policy ----------------------------------------------------------------------


def test_home_page_for_a_visitor_has_a_strict_policy_its_markup_obeys(client, framework):
    response = client.get("/")
    assert_page_obeys(response)
    assert CSP_REPORT_ONLY not in response


def test_a_lesson_for_a_signed_in_learner_has_a_strict_policy_its_markup_obeys(client, lesson):
    client.force_login(User.objects.create_user(email="amina@example.org", password="x" * 12))
    response = client.get(lesson.url)
    policy = assert_page_obeys(response)
    assert "https://www.youtube.com/embed/csp-test" in response.text  # the video is allowed
    assert "https://www.youtube.com" in policy["frame-src"]


def test_the_login_page_has_a_strict_policy_its_markup_obeys(client, framework):
    assert_page_obeys(client.get(reverse("account_login")))


def test_healthz_has_the_policy_and_nosniff(client, db):
    response = client.get("/healthz")
    assert_strict_policy(response[CSP])
    assert response["X-Content-Type-Options"] == "nosniff"


def test_a_page_that_uses_the_nonce_names_it_in_its_header(client, framework, settings, tmp_path):
    """A template that writes an inline script and style with the nonce (the way any
    future one must): both carry the nonce of the header they came with."""
    _override_base_template(settings, tmp_path)
    response = client.get(reverse("account_login"))
    policy = assert_page_obeys(response)
    nonce = _nonces(policy)
    assert len(nonce) == 1
    assert response.text.count(f'nonce="{nonce[0]}"') == 2


def _override_base_template(settings, tmp_path: Path) -> None:
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "base.html").write_text(
        '{% extends "base.html" %}{% block extra_head %}'
        "<script nonce=\"{{ request.csp_nonce }}\">document.documentElement.classList.add('js')"
        '</script><style nonce="{{ CSP_NONCE }}">.js .no-js-only{display:none}</style>'
        "{% endblock %}"
    )
    templates = [dict(engine) for engine in settings.TEMPLATES]
    templates[0]["DIRS"] = [folder, *templates[0]["DIRS"]]
    settings.TEMPLATES = templates


def _nonces(policy: dict[str, list[str]]) -> list[str]:
    return [s[len("'nonce-") : -1] for s in policy["script-src"] if s.startswith("'nonce-")]


def test_each_visitor_of_a_kept_page_gets_a_nonce_of_their_own(framework, settings, tmp_path):
    """The anonymous page cache serves one rendering to everybody: each hit has a fresh
    nonce, the same in its header and in every inline script and style of its markup."""
    _override_base_template(settings, tmp_path)
    seen = []
    for _ in range(3):
        response = Client().get("/")
        policy = assert_page_obeys(response)
        [nonce] = _nonces(policy)
        assert response.text.count(f'nonce="{nonce}"') == 2
        seen.append((response[page_cache.SERVED_FROM_CACHE], nonce))
    assert [hit for hit, _ in seen] == ["miss", "hit", "hit"]
    assert len({nonce for _, nonce in seen}) == 3


def test_a_kept_fragment_gets_the_nonce_of_the_request_it_is_shown_to(db):
    """`{% kept %}` renders once for everybody: a nonce inside is renewed per request."""
    template = Template(
        '{% load site_tags %}{% kept "nonce-test" %}<p>{{ word }}</p>'
        '<script nonce="{{ request.csp_nonce }}">run()</script>{% endkept %}'
    )
    middleware = SiteCSPMiddleware(lambda request: HttpResponse())
    shown = []
    for word in ("first", "second"):
        request = RequestFactory().get("/lesson/")
        middleware.process_request(request)
        html = template.render(Context({"request": request, "word": word}))
        shown.append((html, str(request.csp_nonce)))
    (first, first_nonce), (second, second_nonce) = shown
    assert first_nonce != second_nonce
    assert "<p>first</p>" in first and "<p>first</p>" in second  # the kept copy
    assert f'nonce="{first_nonce}"' in first
    assert f'nonce="{second_nonce}"' in second and first_nonce not in second


def test_a_kept_page_without_inline_code_has_no_nonce(framework):
    first, again = Client().get("/"), Client().get("/")
    assert again[page_cache.SERVED_FROM_CACHE] == "hit"
    assert first[CSP] == again[CSP]  # no nonce: nothing inline, so nothing to allow
    assert "nonce" not in again[CSP]
    assert again.content == first.content


# --- the admin ------------------------------------------------------------------------------


def test_the_admin_reports_the_strict_policy_and_enforces_what_cannot_break_it(client, framework):
    client.force_login(staff("editor@example.org", Role.EDITORS))
    response = client.get(reverse("wagtailadmin_home"))
    assert response.status_code == 200
    assert_strict_policy(response[CSP_REPORT_ONLY])
    enforced = directives(response[CSP])
    assert enforced["object-src"] == ["'none'"]
    assert enforced["base-uri"] == ["'self'"]
    assert enforced["form-action"] == ["'self'"]
    assert enforced["frame-ancestors"] == ["'self'"]  # its own page previews
    assert "script-src" not in enforced and "default-src" not in enforced


# --- production -----------------------------------------------------------------------------

SECURITY_SETTINGS = [
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SECURE_SSL_REDIRECT",
    "SECURE_PROXY_SSL_HEADER",
    "SECURE_CONTENT_TYPE_NOSNIFF",
    "SECURE_REFERRER_POLICY",
    "SECURE_CROSS_ORIGIN_OPENER_POLICY",
    "SESSION_COOKIE_SECURE",
    "SESSION_COOKIE_HTTPONLY",
    "SESSION_COOKIE_SAMESITE",
    "CSRF_COOKIE_SECURE",
    "CSRF_COOKIE_SAMESITE",
    "X_FRAME_OPTIONS",
    "MIDDLEWARE",
]


@pytest.fixture(scope="module")
def production_settings(tmp_path_factory) -> dict:
    """The security settings as `training_site.settings.production` reads them from an
    environment with only SECRET_KEY, ALLOWED_HOSTS and DATABASE_URL (a fresh process:
    settings are read once per process)."""
    database = tmp_path_factory.mktemp("prod") / "prod.sqlite3"
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DJANGO_SETTINGS_MODULE": "training_site.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "testserver",
        "DATABASE_URL": f"sqlite:///{database}",
    }
    code = (
        "import json; from django.conf import settings; from csp.utils import build_policy; "
        f"values = {{n: getattr(settings, n) for n in {SECURITY_SETTINGS!r}}}; "
        "values['policy'] = build_policy(); print(json.dumps(values))"
    )
    result = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", code],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    values["SECURE_PROXY_SSL_HEADER"] = tuple(values["SECURE_PROXY_SSL_HEADER"])
    return values


@pytest.fixture
def production(settings, production_settings):
    for name in SECURITY_SETTINGS:
        setattr(settings, name, production_settings[name])
    return production_settings


def test_production_sends_the_strict_policy(production_settings):
    assert "training_site.csp.SiteCSPMiddleware" in production_settings["MIDDLEWARE"]
    assert_strict_policy(production_settings["policy"])


def test_production_redirects_plain_http_to_https(client, framework, production):
    response = client.get("/")
    assert response.status_code == 301
    assert response["Location"] == "https://testserver/"


def test_production_headers_on_a_page(client, framework, production):
    response = client.get("/", secure=True)
    assert_page_obeys(response)
    assert response["Strict-Transport-Security"] == ("max-age=31536000; includeSubDomains; preload")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert directives(response[CSP])["frame-ancestors"] == ["'none'"]


def test_production_cookies_are_secure(client, framework, production):
    """The CSRF cookie a form page sets and the session cookie signing in sets."""
    user = User.objects.create_user(email="amina@example.org", password="pw-0123456789")  # noqa: S106
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)

    form = client.get(reverse("account_login"), secure=True)
    assert form.status_code == 200
    csrf = form.cookies["csrftoken"]
    assert csrf["secure"] is True
    assert csrf["samesite"] == "Lax"

    signed_in = client.post(
        reverse("account_login"),
        {"login": user.email, "password": "pw-0123456789"},
        secure=True,
    )
    assert signed_in.status_code == 302, signed_in.content[:500]
    session = signed_in.cookies["sessionid"]
    assert session["secure"] is True
    assert session["httponly"] is True
    assert session["samesite"] == "Lax"
    assert signed_in["Strict-Transport-Security"].startswith("max-age=31536000")
