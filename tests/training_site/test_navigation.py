"""The header's section links are cached, and follow the page tree as soon as it changes."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

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
