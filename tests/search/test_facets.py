"""The pure functions behind the search page, table-tested: faceting (search.facets),
reading the query string (search.query), spelling and extracts. No database."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.http import QueryDict

from search.engines.base import FACETS, SORT_NEWEST, SORT_RELEVANCE
from search.engines.database import spelling_suggestions
from search.facets import Match, count_facets, facet_page, failing_facets, sort_matches
from search.query import MAX_QUERY_LENGTH, clean_text, parse_page, parse_search_params
from search.service import UrlBuilder, make_extract, word_matches


def day(n: int) -> datetime:
    return datetime(2024, 1, n, tzinfo=UTC)


A = Match(1, "lesson", "en", {"element": ["P1"], "indicator": ["7"]}, day(3))
B = Match(2, "lesson", "fr", {"element": ["P1", "P3"]}, day(5))
C = Match(3, "case_study", "en", {"element": ["P3"], "country": ["KE"]}, None)
D = Match(4, "indicator", "en", {"indicator": ["7"]}, day(5))
E = Match(5, "module", "es", {"element": ["O1"]}, day(1))
MATCHES = [A, B, C, D, E]  # relevance order


# --- facets --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("match", "facet", "values"),
    [
        (A, "kind", ("lesson",)),
        (A, "language", ("en",)),
        (B, "element", ("P1", "P3")),
        (A, "country", ()),
        (Match(9, "lesson", "en", {"element": ["P1", "P1", ""]}), "element", ("P1",)),
        (Match(9, "lesson", "en", {"indicator": [7, 8]}), "indicator", ("7", "8")),
        (Match(9, "lesson", "en", {"element": "P2"}), "element", ("P2",)),
        (Match(9, "lesson", "", {}), "language", ()),
    ],
)
def test_values_of_a_match(match, facet, values):
    assert match.values(facet) == values


@pytest.mark.parametrize(
    ("match", "filters", "failing"),
    [
        (A, {}, set()),
        (A, {"kind": ("lesson",)}, set()),
        (A, {"kind": ("module", "lesson")}, set()),
        (A, {"kind": ("module",)}, {"kind"}),
        (A, {"kind": ("module",), "element": ("P3",)}, {"kind", "element"}),
        (B, {"element": ("P3",), "language": ("fr",)}, set()),
        (C, {"country": ("XX",)}, {"country"}),
        (A, {"kind": ()}, set()),  # no values: no filter
    ],
)
def test_which_filters_a_match_fails(match, filters, failing):
    assert failing_facets(match, filters) == failing


@pytest.mark.parametrize(
    ("filters", "facet", "counts"),
    [
        ({}, "kind", {"lesson": 2, "case_study": 1, "indicator": 1, "module": 1}),
        ({}, "element", {"P1": 2, "P3": 2, "O1": 1}),
        # The kind facet ignores its own filter...
        (
            {"kind": ("lesson",)},
            "kind",
            {"lesson": 2, "case_study": 1, "indicator": 1, "module": 1},
        ),
        # ...while the others count lessons only.
        ({"kind": ("lesson",)}, "element", {"P1": 2, "P3": 1}),
        ({"kind": ("lesson",)}, "language", {"en": 1, "fr": 1}),
        # Two filters: each facet counts with the other one applied.
        ({"kind": ("lesson",), "element": ("P3",)}, "kind", {"case_study": 1, "lesson": 1}),
        ({"kind": ("lesson",), "element": ("P3",)}, "element", {"P1": 2, "P3": 1}),
        ({"kind": ("lesson",), "element": ("P3",)}, "language", {"fr": 1}),
        # A facet nobody carries is absent.
        ({"kind": ("lesson",)}, "country", None),
    ],
)
def test_disjunctive_counts(filters, facet, counts):
    assert count_facets(MATCHES, filters).get(facet) == counts


def test_counts_list_the_most_frequent_first_then_by_value():
    counts = count_facets(MATCHES, {})["kind"]
    assert list(counts) == ["lesson", "case_study", "indicator", "module"]


@pytest.mark.parametrize(
    ("sort", "ids"),
    [
        (SORT_RELEVANCE, [1, 2, 3, 4, 5]),
        # Newest first; equal dates keep relevance order (B before D); undated last.
        (SORT_NEWEST, [2, 4, 1, 5, 3]),
        ("bogus", [1, 2, 3, 4, 5]),
    ],
)
def test_sorting(sort, ids):
    assert [match.id for match in sort_matches(MATCHES, sort)] == ids


@pytest.mark.parametrize(
    ("filters", "sort", "offset", "limit", "total", "ids"),
    [
        ({}, SORT_RELEVANCE, 0, 2, 5, (1, 2)),
        ({}, SORT_RELEVANCE, 4, 2, 5, (5,)),
        ({}, SORT_RELEVANCE, 10, 2, 5, ()),
        ({}, SORT_RELEVANCE, -3, 2, 5, (1, 2)),
        ({"element": ("P1", "O1")}, SORT_RELEVANCE, 0, 10, 3, (1, 2, 5)),
        ({"element": ("P1", "O1")}, SORT_NEWEST, 0, 10, 3, (2, 1, 5)),
        ({"element": ("P1",), "language": ("fr",)}, SORT_RELEVANCE, 0, 10, 1, (2,)),
        ({"country": ("nowhere",)}, SORT_RELEVANCE, 0, 10, 0, ()),
    ],
)
def test_a_page_of_matches(filters, sort, offset, limit, total, ids):
    page = facet_page(MATCHES, filters, sort=sort, offset=offset, limit=limit)
    assert (page.total, page.ids) == (total, ids)


def test_no_matches_no_facets():
    assert facet_page([], {"kind": ("lesson",)}).facets == {}


# --- reading the query string ------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "text"),
    [
        (None, ""),
        ("", ""),
        ("  border   management ", "border management"),
        ('"migrant" AND rights*', "migrant AND rights"),
        ("3.4", "3.4"),
        ("indicator 3.4.", "indicator 3.4"),
        ("...", ""),
        ("*** ??? !!!", ""),
        ("cross-border", "cross border"),
        ("l'immigration", "l immigration"),
        ("الهجرة", "الهجرة"),  # Arabic
        ("移民治理", "移民治理"),  # Chinese
        ("प्रवासन", "प्रवासन"),  # Hindi: its vowel signs are marks, kept with their letters
        ("a\x00b", "a b"),
        ("<script>alert(1)</script>", "script alert 1 script"),
    ],
)
def test_clean_text(raw, text):
    assert clean_text(raw) == (text, False)


def test_a_long_query_is_shortened_at_a_word():
    text, shortened = clean_text("migration " * 100)
    assert shortened and len(text) <= MAX_QUERY_LENGTH
    assert text.endswith("migration")
    text, shortened = clean_text("a" * 1000)
    assert shortened and text == "a" * MAX_QUERY_LENGTH


@pytest.mark.parametrize(
    ("raw", "page"),
    [("", 1), ("2", 2), ("0", 1), ("-1", 1), ("abc", 1), ("1e9", 1), ("٣", 1), ("9999999", 1)],
)
def test_page_numbers(raw, page):
    assert parse_page(raw) == page


def test_the_query_string_read_whatever_it_holds():
    request = parse_search_params(
        QueryDict(
            "q=border&q=visa&kind=lesson&kind=lesson&kind=&element=P1&colour=red"
            f"&country={'x' * 500}&sort=bogus&page=0"
        )
    )
    assert request.text == "visa"  # the last q, as QueryDict.get gives it
    assert request.filters == {"kind": ("lesson",), "element": ("P1",)}
    assert (request.sort, request.page) == (SORT_RELEVANCE, 1)
    assert len(request.messages) == 1 and "sort" in request.messages[0]


def test_too_many_values_are_bounded():
    request = parse_search_params(QueryDict("&".join(f"indicator={n}" for n in range(100))))
    assert len(request.filters["indicator"]) == 20


def test_a_shortened_query_says_so():
    request = parse_search_params(QueryDict("q=" + "word%20" * 100))
    assert request.messages == (f"Your search was shortened to {MAX_QUERY_LENGTH} characters.",)


# --- spelling and extracts ---------------------------------------------------------------

VOCABULARY = ("border", "borders", "management", "migration", "smuggling", "trafficking")


@pytest.mark.parametrize(
    ("text", "suggestions"),
    [
        ("border", ()),  # every word known
        ("smugling", ("smuggling",)),
        ("bordr managment", ("border management", "borders management")),
        ("migration xqzwv", ("migration",)),  # nothing near: the word is left out
        ("3.4", ()),
        ("xqzwv", ()),
    ],
)
def test_spelling_suggestions(text, suggestions):
    assert spelling_suggestions(text, VOCABULARY) == suggestions


@pytest.mark.parametrize(
    ("word", "term", "matches"),
    [
        ("Border", "border", True),
        ("borders", "border", True),
        ("management", "managing", True),  # PostgreSQL stems both to "manag"
        ("Migración", "migracion", True),  # accents folded, as both engines do
        ("3.4", "3.4", True),
        ("world", "work", False),
        ("a", "a", True),
        ("abc", "a", False),
    ],
)
def test_which_words_are_marked(word, term, matches):
    assert word_matches(word, term) is matches


def test_an_extract_escapes_and_marks():
    extract = make_extract("Officials <b>&</b> partners: smuggling, again.", ["smuggling"])
    assert extract == "Officials &lt;b&gt;&amp;&lt;/b&gt; partners: <mark>smuggling</mark>, again."


def test_an_extract_is_cut_around_the_first_match():
    body = (
        " ".join(f"w{n}" for n in range(100)) + " border " + " ".join(f"x{n}" for n in range(100))
    )
    extract = make_extract(body, ["border"], words=10)
    assert extract.startswith("… w92 ")
    assert "<mark>border</mark>" in extract
    assert extract.endswith(" …")
    assert len(extract.split()) == 12  # ten words and two ellipses


@pytest.mark.parametrize(
    ("body", "first"),
    [
        # The term's first letters inside an earlier word that is no match: the first match
        # is still the later word.
        ("w1 reborders w2 w3 w4 w5 w6 w7 w8 w9 w10 w11 border w12", "w4"),
        # A match right after punctuation, and as the very first word.
        ("w1 w2 w3 w4 w5 w6 w7 w8 w9 w10 (Border) w11", "w3"),
        ("Borders w1 w2", "<mark>Borders</mark>"),
        # Accented (non-ASCII) bodies go word by word.
        ("é1 é2 é3 é4 é5 é6 é7 é8 é9 é10 frontière w11", "é3"),
    ],
)
def test_an_extract_starts_eight_words_before_the_first_match(body, first):
    term = "frontiere" if "frontière" in body else "border"
    body += " " + " ".join(f"z{n}" for n in range(20))  # far from the end
    extract = make_extract(body, [term], words=12)
    assert extract.removeprefix("… ").split()[0] == first, extract
    assert extract.count("<mark>") == 1


def test_without_a_match_the_extract_is_the_start_of_the_body():
    assert make_extract("one two three", ["zebra"], words=2) == "one two …"
    assert make_extract("", ["zebra"]) == ""


# --- facet links ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "q=migrant+workers&element=P1&element=P3&country=KE&sort=newest&page=3",
        "q=caf%C3%A9&kind=lesson&language=fr",
        "q=data",
        "q=data&indicator=7&region=x%26y%3Dz",
    ],
)
def test_a_facet_link_is_the_page_url_with_that_value_toggled(query):
    request = parse_search_params(QueryDict(query))
    builder = UrlBuilder(request)
    for facet in FACETS:
        for value in [*request.filters.get(facet, ()), "P2", "KE", "x&y=z", "café"]:
            filters = {name: list(values) for name, values in request.filters.items()}
            values = filters.setdefault(facet, [])
            if value in values:
                values.remove(value)
            else:
                values.append(value)
            assert builder.toggled(facet, value) == builder.url(filters=filters, page=1)


def test_a_facet_link_keeps_the_text_the_other_filters_and_the_sort_on_the_first_page():
    builder = UrlBuilder(parse_search_params(QueryDict("q=data&element=P1&sort=newest&page=2")))
    assert builder.toggled("country", "KE") == "/search/?q=data&element=P1&country=KE&sort=newest"
    assert builder.toggled("element", "P1") == "/search/?q=data&sort=newest"
    assert builder.toggled("kind", "lesson") == (
        "/search/?q=data&kind=lesson&element=P1&sort=newest"
    )
