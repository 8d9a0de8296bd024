"""The header's section links are cached, and follow the page tree as soon as it changes."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from case_studies.models import CaseStudyIndexPage

pytestmark = pytest.mark.django_db


def nav_html(client) -> str:
    html = client.get("/search/").content.decode()
    start = html.index('class="site-nav"')
    return html[start : html.index("</nav>", start)]


def test_a_warm_header_costs_no_query_and_a_new_section_shows_at_once(client, framework):
    assert "Case studies" not in nav_html(client)
    with CaptureQueriesContext(connection) as first:
        client.get("/search/")
    with CaptureQueriesContext(connection) as second:
        client.get("/search/")
    assert len(second.captured_queries) <= len(first.captured_queries)
    assert not any("wagtailcore_page" in q["sql"] for q in second.captured_queries)

    index = CaseStudyIndexPage(title="Case studies", slug="case-studies", show_in_menus=True)
    framework.add_child(instance=index)
    assert "Case studies" in nav_html(client)
    index.unpublish()
    assert "Case studies" not in nav_html(client)


def test_the_header_follows_the_language(client, framework):
    client.cookies["django_language"] = "fr"
    assert "Bibliothèque" in nav_html(client) or "Indicateurs" in nav_html(client)
    client.cookies["django_language"] = "en"
    assert "Indicators" in nav_html(client)


def header_of(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, path
    html = response.content.decode()
    return html[html.index('class="site-header"') : html.index("</header>")]


def current_links(header: str) -> list[str]:
    return re.findall(r'<a href="([^"]*)" aria-current="page"', header)


def test_the_kept_header_marks_the_page_it_is_on(client, framework):
    """The brand and main navigation are kept (`{% kept "site-nav" %}` in base.html) per
    page and view: each page's header marks its own section, whichever was seen first."""
    section = framework.get_children().live().in_menu().first()
    assert current_links(header_of(client, "/search/")) == ["/search/"]
    assert current_links(header_of(client, section.url)) == [section.url]
    assert current_links(header_of(client, "/search/?q=migration")) == ["/search/"]
    assert current_links(header_of(client, "/accounts/login/")) == []


def test_the_kept_account_links_are_the_visitors_only(client, framework):
    """Visitors' account links are kept; signed-in people get theirs, never those."""
    assert "Log in" in header_of(client, "/search/")
    member = Client()
    member.force_login(User.objects.create_user(email="ana@example.org", password="pw-0123456789"))
    header = header_of(member, "/search/")
    assert "Log out" in header and "My learning" in header and "Log in" not in header
    header = header_of(client, "/search/")
    assert "Log in" in header and "Log out" not in header
