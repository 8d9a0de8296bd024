"""The search page and its autocomplete through the test client, on the default engine."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from wagtail.contrib.search_promotions.models import Query as SearchQuery
from wagtail.contrib.search_promotions.models import SearchPromotion
from wagtail.models import Page, PageViewRestriction

from framework_content.models import FrameworkElementPage
from search.models import GuidanceEntry
from search.service import record_search_and_promotions

pytestmark = pytest.mark.django_db

URL = "/search/"


@pytest.fixture
def client():
    # A server error must come back as the site's 500 page, for the tests to see it.
    return Client(raise_request_exception=False)


def html_of(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def links(html: str, pattern: str) -> list[str]:
    """hrefs of the <a> whose inner HTML matches `pattern`."""
    return [
        unescape(href)
        for href, inner in re.findall(
            r'<a\b[^>]*?\bhref="([^"]*)"[^>]*>(.*?)</a>', html, flags=re.S
        )
        if re.search(pattern, inner)
    ]


def chips(html: str) -> dict[str, str]:
    """The active filters' remove links: {accessible name: href}."""
    return {
        re.sub(r"<[^>]+>", "", inner).replace("×", "").strip(): unescape(href)
        for href, inner in re.findall(
            r'<a class="filter-chip" href="([^"]*)">(.*?)</a>', html, flags=re.S
        )
    }


def params(url: str) -> list[tuple[str, str]]:
    return sorted(parse_qsl(urlsplit(url).query))


# --- who can search ----------------------------------------------------------------------


def test_anyone_can_search_without_an_account(client, corpus):
    html = html_of(client.get(URL, {"q": "basics"}))
    assert 'role="search"' in html
    assert re.search(r'role="status"[^>]*>\s*1 result for “basics”', html)
    assert "Border management basics" in html
    assert 'value="basics"' in html  # the box keeps the query


def test_the_page_without_a_query_is_the_form(client, corpus):
    html = html_of(client.get(URL))
    assert 'role="search"' in html and "results for" not in html
    assert "search/suggest.js" in html and "defer" in html


def test_the_search_is_a_get_only_page(client, corpus):
    assert client.post(URL, {"q": "border"}).status_code == 405


# --- bad input ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("", ""),
        ("q=", ""),
        ("q=%20%20", ""),
        ("q=" + "a" * 1000, "Your search was shortened to 200 characters."),
        ("q=" + "border%20" * 150, "Your search was shortened to 200 characters."),
        ("q=%22%2A%21%3F%28%29%5B%5D", "Type a word or an indicator code to search."),
        ("q=...", "Type a word or an indicator code to search."),
        ("q=%D8%A7%D9%84%D9%87%D8%AC%D8%B1%D8%A9", ""),  # Arabic
        ("q=%E7%A7%BB%E6%B0%91%E6%B2%BB%E7%90%86", ""),  # Chinese
        ("q=%CC%81", ""),  # a lone combining accent
        ("q=%ff%fe", ""),
        ("q=border&kind=nonsense&element=P9", ""),
        ("q=border&kind=lesson&kind=lesson&kind=lesson", ""),
        ("q=border&colour=red&indicator=" + "9" * 40, ""),
        ("q=border&page=0", ""),
        ("q=border&page=-1", ""),
        ("q=border&page=abc", ""),
        ("q=border&page=999999", "There is only 1 page of results: showing it."),
        ("q=migof&page=999999", "There are only 2 pages of results: showing the last one."),
        ("q=border&sort=bogus", "Unknown sort order: showing the most relevant results first."),
        ("q=AND+OR+NOT+(", ""),
        ("q=NEAR(border+management)", ""),
        ("q[]=x&page[]=2", ""),
    ],
)
def test_bad_input_gives_a_page_and_a_clear_message(client, corpus, query, message):
    html = html_of(client.get(f"{URL}?{query}"))
    if message:
        assert message in unescape(html)


def test_page_zero_and_negative_pages_are_page_one(client, corpus):
    for page in ("0", "-1"):
        html = html_of(client.get(URL, {"q": "migof", "page": page}))
        assert re.search(r'aria-current="page"><span class="visually-hidden">Page </span>1<', html)


def test_past_the_last_page_shows_the_last_page(client, corpus):
    html = html_of(client.get(URL, {"q": "migof", "page": "999999"}))
    assert '<ol class="search-results" start="11">' in html


def test_a_repeated_filter_value_counts_once(client, corpus):
    html = html_of(client.get(URL + "?q=migof&kind=lesson&kind=lesson"))
    assert "3 results for" in html
    assert list(chips(html)) == ["Remove filter: Type: Lesson"]


def test_an_unknown_filter_value_matches_nothing_and_can_be_removed(client, corpus):
    html = html_of(client.get(URL + "?q=migof&country=ZZ"))
    assert "0 results for" in html and "Nothing matched “migof” with these filters." in html
    assert params(chips(html)["Remove filter: Country: ZZ"]) == [("q", "migof")]


def test_a_search_engine_that_is_down_gives_a_message(client, corpus, monkeypatch):
    from search import service
    from search.engines.base import EngineUnavailable

    class DownEngine:
        name = "down"

        def search(self, query):
            raise EngineUnavailable("connection refused")

        def suggest(self, prefix, *, limit=8):
            raise EngineUnavailable("connection refused")

    monkeypatch.setattr(service, "get_engine", DownEngine)
    html = html_of(client.get(URL, {"q": "border"}))
    assert "Search is unavailable at the moment." in html
    response = client.get(reverse("search_suggest"), {"q": "border"})
    assert response.status_code == 200 and response.json() == {"suggestions": []}


# --- facets and filters ------------------------------------------------------------------


def test_facets_are_links_with_counts_under_a_filters_landmark(client, corpus):
    html = html_of(client.get(URL, {"q": "migof"}))
    nav = re.search(r'<nav class="search-facets" aria-label="Filters">(.*?)</nav>', html, re.S)
    assert nav
    for heading in ("Type", "MIGOF element", "Indicator", "Country", "Region", "Language"):
        assert f">{heading}</h3>" in nav.group(1)
    assert re.search(
        r'<span class="facet-label">Case study</span> <span class="facet-count">3', html
    )
    assert re.search(r'<span class="facet-label">Kenya</span> <span class="facet-count">1', html)


def test_a_chosen_facet_value_says_so_and_counts_are_spoken_with_their_noun(client, corpus):
    html = html_of(client.get(URL + "?q=migof&kind=case_study"))
    assert re.search(
        r'<li><a href="[^"]*" aria-current="true" class="facet-selected"><span '
        r'class="visually-hidden">Remove filter: </span><span class="facet-label">Case study'
        r'</span> <span class="facet-count">3<span class="visually-hidden"> results</span>',
        html,
    )
    assert re.search(
        r'<span class="facet-label">Kenya</span> <span class="facet-count">1'
        r'<span class="visually-hidden"> result</span>',
        html,
    )
    french = html_of(client.get(URL + "?q=migof&kind=case_study", HTTP_ACCEPT_LANGUAGE="fr"))
    assert '<span class="visually-hidden"> results</span>' not in french
    assert '<span class="visually-hidden">Remove filter: </span>' not in french


def test_a_facet_link_keeps_the_other_filters(client, corpus):
    html = html_of(client.get(URL + "?q=migof&kind=lesson&sort=newest&page=2"))
    (p3,) = links(html, r'facet-label">P3 ')
    assert params(p3) == [("element", "P3"), ("kind", "lesson"), ("q", "migof"), ("sort", "newest")]
    (module,) = links(html, r'facet-label">Module<')
    assert params(module) == [
        ("kind", "lesson"),
        ("kind", "module"),
        ("q", "migof"),
        ("sort", "newest"),
    ]


def test_removing_one_filter_keeps_the_others(client, corpus):
    html = html_of(client.get(URL + "?q=migof&kind=lesson&element=P3&language=fr"))
    assert "1 result for" in html
    active = chips(html)
    assert list(active) == [
        "Remove filter: Type: Lesson",
        "Remove filter: MIGOF element: P3 Strong partnerships to support migration governance",
        "Remove filter: Language: Français",
    ]
    remove_p3 = active[
        "Remove filter: MIGOF element: P3 Strong partnerships to support migration governance"
    ]
    assert params(remove_p3) == [("kind", "lesson"), ("language", "fr"), ("q", "migof")]
    (clear,) = links(html, r"Clear all filters")
    assert params(clear) == [("q", "migof")]


def test_sort_links_and_newest_first(client, corpus):
    html = html_of(client.get(URL, {"q": "border", "sort": "newest"}))
    (relevance,) = links(html, r"^Most relevant$")
    assert params(relevance) == [("q", "border")]
    titles = re.findall(r'<h3><a href="[^"]*">([^<]*)</a></h3>', html)
    assert titles[:2] == ["Border management basics", "Border management and cooperation"]


def test_results_show_extract_trail_and_tags(client, corpus):
    html = html_of(client.get(URL, {"q": "smuggling"}))
    assert "<mark>smuggling</mark>" in html
    assert "&lt;script&gt;" in html and "<script>alert" not in html
    assert '<a class="tag" href="/i/3-4/">3.4 Measures to combat human trafficking' in html
    html = html_of(client.get(URL, {"q": "basics"}))
    assert (
        '<a href="/migof/p3/">P3 Strong partnerships</a> <span aria-hidden="true">›</span>' in html
    )


def test_results_in_another_language_say_so(client, corpus):
    html = html_of(client.get(URL, {"q": "frontières"}))
    assert '<li class="search-result" lang="fr">' in html


def test_nothing_matched_offers_spelling_and_related_indicators(client, corpus):
    html = html_of(client.get(URL, {"q": "smugling"}))
    assert "Nothing matched “smugling”." in html
    (spelling,) = links(html, r"^smuggling$")
    assert params(spelling) == [("q", "smuggling")]
    assert links(html, r"^3\.4 Measures to combat") == ["/i/3-4/"]


# --- promoted results and the search terms report ----------------------------------------


def test_promoted_results_come_first_and_the_query_is_counted(client, corpus):
    page = FrameworkElementPage.objects.live().first()
    query = SearchQuery.get("Border")
    SearchPromotion.objects.create(query=query, page=page, description="Start here.", sort_order=0)
    SearchPromotion.objects.create(
        query=query,
        external_link_url="https://www.iom.int/migof",
        external_link_text="MIGOF at IOM",
        sort_order=1,
    )
    html = unescape(html_of(client.get(URL, {"q": "border"})))
    promoted = html.index(page.title)
    assert promoted < html.index("MIGOF at IOM") < html.index("Border management basics")
    assert "Start here." in html
    client.get(URL, {"q": "BORDER "})
    client.get(URL, {"q": "border", "page": "2"})  # turning pages is not a new search
    query.refresh_from_db()
    assert query.hits == 2


def test_a_new_query_is_recorded_for_the_report(client, corpus):
    client.get(URL, {"q": "visa waivers"})
    client.get(URL, {"q": "Visa  waivers"})
    assert SearchQuery.objects.get(query_string="visa waivers").hits == 2
    client.get(URL, {"q": "***"})
    assert not SearchQuery.objects.filter(query_string="***").exists()


@pytest.mark.django_db(transaction=True)
def test_hits_are_counted_outside_a_transaction_and_commits_stay_durable():
    """As on the site, where each statement is its own transaction: every search counts once
    (on PostgreSQL the counter's commit does not wait for its flush, in that statement
    alone), and the connection's next transactions commit as durably as before."""

    def durability() -> str | None:
        if connection.vendor != "postgresql":
            return None
        with connection.cursor() as cursor:
            cursor.execute("SHOW synchronous_commit")
            return cursor.fetchone()[0]

    before = durability()
    assert not connection.in_atomic_block
    for text in ("visa waivers", "Visa waivers", "visa  WAIVERS", "border"):
        record_search_and_promotions(text)
    assert SearchQuery.objects.get(query_string="visa waivers").hits == 3
    assert SearchQuery.objects.get(query_string="border").hits == 1
    assert durability() == before


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL")
def test_a_text_recorded_by_a_concurrent_search_is_still_counted():
    """Two people search a new text at once: the second one's record of it waits for the
    first one's (not committed yet), then counts the search: each search counts once."""
    import threading
    import time

    import psycopg

    settings = connection.settings_dict
    other = psycopg.connect(
        host=settings["HOST"],
        port=settings["PORT"] or 5432,
        user=settings["USER"],
        dbname=settings["NAME"],
        password=settings["PASSWORD"] or None,
    )
    table = SearchQuery._meta.db_table
    with other.cursor() as cursor:
        # The first search's record, not committed yet.
        cursor.execute(f"INSERT INTO {table} (query_string) VALUES ('visa waivers')")  # noqa: S608
        committer = threading.Timer(0.5, other.commit)
        committer.start()
        started = time.monotonic()
        record_search_and_promotions("visa waivers")  # waits for the commit above
        waited = time.monotonic() - started
        committer.join()
    other.close()
    assert waited >= 0.4, waited  # it did wait for the first record
    assert SearchQuery.objects.get(query_string="visa waivers").hits == 1


def test_a_private_or_draft_page_is_never_promoted(client, corpus):
    private, draft = FrameworkElementPage.objects.live()[:2]
    PageViewRestriction.objects.create(page=private, restriction_type="login")
    Page.objects.filter(pk=draft.pk).update(live=False)
    query = SearchQuery.get("border")
    for page in (private, draft):
        SearchPromotion.objects.create(query=query, page=page)
    html = html_of(client.get(URL, {"q": "border"}))
    assert "Recommended" not in html


def test_promotions_are_kept_until_one_is_added_or_removed(client, corpus):
    page = FrameworkElementPage.objects.live().first()
    client.get(URL, {"q": "border"})  # the query is recorded; nothing promoted yet
    assert "Recommended" not in html_of(client.get(URL, {"q": "border"}))
    promotion = SearchPromotion.objects.create(
        query=SearchQuery.get("border"), page=page, description="Start here."
    )
    assert "Start here." in html_of(client.get(URL, {"q": "border"}))
    with CaptureQueriesContext(connection) as queries:
        assert "Start here." in html_of(client.get(URL, {"q": "border"}))
    assert not [q["sql"] for q in queries if "wagtailsearchpromotions_searchpromotion" in q["sql"]]
    # Another text, asked twice (recorded, then counted): no promotion is read for it.
    client.get(URL, {"q": "visa"})
    with CaptureQueriesContext(connection) as queries:
        client.get(URL, {"q": "visa"})
    assert not [q["sql"] for q in queries if "wagtailsearchpromotions_searchpromotion" in q["sql"]]
    promotion.delete()
    assert "Start here." not in html_of(client.get(URL, {"q": "border"}))


# --- a bounded number of queries -----------------------------------------------------------


def more_entries(n: int, ids) -> None:
    """n more entries matching "migof", each with its own country, indicator and element."""
    codes = ["FR", "ES", "DE", "IN", "BR", "JP", "NG", "PE", "PH", "TR"]
    indicator_ids = list(ids.values())
    GuidanceEntry.objects.bulk_create(
        GuidanceEntry(
            key=f"extra:{n}:{i}",
            kind=["lesson", "module", "case_study", "document"][i % 4],
            title=f"Extra MIGOF entry {i}",
            body="More MIGOF guidance " * 20,
            url=f"/extra/{i}/",
            language=["en", "fr", "es"][i % 3],
            trail=[["P1", "/migof/p1/"], ["Module", "/m/"]],
            tags=[{"code": "3.4", "title": "Measures", "url": "/i/3-4/"}] * 3,
            facets={
                "element": [["P1", "P2", "P3", "O1", "O2", "O3"][i % 6]],
                "framework": ["mgi-2016"],
                "domain": [ids["domain-3"]],
                "indicator": [indicator_ids[i % len(indicator_ids)]],
                "country": [codes[i % len(codes)]],
                "region": ["europe"],
            },
        )
        for i in range(n)
    )
    from search.engines.database import DatabaseEngine

    DatabaseEngine().rebuild(GuidanceEntry.objects.filter(key__startswith="extra:"))


def queries_of(client, url: str, params=None) -> tuple[list[str], str]:
    """The queries a page ran (PostgreSQL's search statement goes with its planner settings
    in one round trip: search.engines.sql.planned_rows), and the page. Not counted: the
    PREPARE of the statement's shape, sent once per database session (the first page of a
    shape a worker serves), at most one per page."""
    with CaptureQueriesContext(connection) as captured:
        html = html_of(client.get(url, params or {}))
    ran = [q["sql"] for q in captured.captured_queries]
    prepared = [sql for sql in ran if sql.startswith("PREPARE ")]
    assert len(prepared) <= 1, prepared
    return [sql for sql in ran if sql not in prepared], html


@pytest.mark.parametrize(
    "query",
    [
        "q=migof",  # results on every facet, a query seen for the first time
        "q=migof&kind=lesson&kind=case_study&element=P3&language=en&sort=newest",
        "q=migof&page=999999",
        "q=smugling&country=KE",  # nothing matched: spelling and related indicators
    ],
)
def test_the_page_runs_at_most_ten_queries_at_any_size(client, corpus, ids, query):
    client.get(URL, {"q": "warm up"})  # Wagtail's site root paths, as on any running site
    ran, _html = queries_of(client, f"{URL}?{query}")
    assert len(ran) <= 10, ran
    more_entries(60, ids)
    ran, html = queries_of(client, f"{URL}?{query}")
    assert len(ran) <= 10, ran
    if query == "q=migof":
        assert "73 results for" in html


def test_the_busiest_page_with_a_cold_cache(client, corpus):
    """Even with nothing cached (a fresh deployment), two more queries at most (the second:
    the index version that the cached matches of a text are kept under)."""
    ran, _html = queries_of(client, URL, {"q": "migof", "element": "P3"})
    assert len(ran) <= 12, ran


# --- autocomplete --------------------------------------------------------------------------


def test_suggestions_as_json(client, corpus):
    response = client.get(reverse("search_suggest"), {"q": "bord"})
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    suggestions = response.json()["suggestions"]
    assert {
        "text": "Border management basics",
        "url": "/migof/p3/border/basics/",
        "kind": "lesson",
    } in suggestions
    assert set(suggestions[0]) == {"text", "url", "kind"}


def test_an_indicator_code_is_suggested(client, corpus):
    suggestions = client.get(reverse("search_suggest"), {"q": "3.4"}).json()["suggestions"]
    assert suggestions[0]["text"].startswith("3.4 Measures")


@pytest.mark.parametrize("q", ["", " ", "b", "*", "%%", "\x00", "3."])
def test_short_or_blank_input_suggests_nothing(client, corpus, q):
    response = client.get(reverse("search_suggest"), {"q": q})
    assert response.status_code == 200 and response.json() == {"suggestions": []}


def test_an_overlong_prefix_is_refused_in_words(client, corpus):
    response = client.get(reverse("search_suggest"), {"q": "a" * 201})
    assert response.status_code == 400
    assert response.json()["suggestions"] == [] and "200" in response.json()["error"]


@pytest.mark.parametrize("q", ["الهجرة", "移民", "AND OR (", "q[]"])
def test_odd_prefixes_never_break_suggestions(client, corpus, q):
    assert client.get(reverse("search_suggest"), {"q": q}).status_code == 200


def test_suggestions_take_few_queries_and_none_for_a_prefix_asked_before(
    client, corpus, django_assert_max_num_queries, django_assert_num_queries
):
    # The index version (its cache key), the indicator codes, the titles.
    with django_assert_max_num_queries(3):
        first = client.get(reverse("search_suggest"), {"q": "3.4"}).json()
    with django_assert_num_queries(0):
        assert client.get(reverse("search_suggest"), {"q": "3.4"}).json() == first
