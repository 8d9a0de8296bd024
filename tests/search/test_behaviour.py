"""One behavioural suite, run against every engine (tests/search/conftest.py `engine`).

The database engine always (SQLite here, PostgreSQL with DATABASE_URL); Elasticsearch when
ELASTICSEARCH_URL is set. Each test searches the fixed corpus through the engine, or through
the search service with that engine, and checks what a person would notice.
"""

from __future__ import annotations

import pytest
from django.http import QueryDict

from search.engines.base import SORT_NEWEST, Query
from search.models import GuidanceEntry
from search.service import search_guidance
from tests.search.conftest import keys

pytestmark = pytest.mark.django_db

ALL = 13  # entries in the corpus; every body says "MIGOF"


def search(engine, text, limit=50, **kwargs):
    return engine.search(Query(text=text, limit=limit, **kwargs))


def page(engine, query_string: str):
    return search_guidance(QueryDict(query_string), engine=engine)


# --- relevance -------------------------------------------------------------------------


def test_a_title_match_ranks_above_a_body_only_match(engine, corpus):
    found = keys(corpus, [hit.entry_id for hit in search(engine, "border").hits])
    assert "case:kenya" in found  # "border" once, deep in a long body
    for title_match in ("lesson:border", "module:border", "indicator:3.1"):
        assert found.index(title_match) < found.index("case:kenya"), found


def test_every_word_must_match(engine, corpus):
    found = keys(corpus, [hit.entry_id for hit in search(engine, "border basics").hits])
    assert found == ["lesson:border"]


def test_an_indicator_code_finds_its_indicator(engine, corpus):
    found = keys(corpus, [hit.entry_id for hit in search(engine, "3.4").hits])
    assert found[0] == "indicator:3.4"


def test_every_match_is_counted_and_pages_slice_them(engine, corpus):
    first = search(engine, "migof", limit=5)
    second = search(engine, "migof", offset=5, limit=5)
    last = search(engine, "migof", offset=10, limit=5)
    assert first.total == second.total == last.total == ALL
    assert (len(first.hits), len(second.hits), len(last.hits)) == (5, 5, 3)
    seen = [hit.entry_id for result in (first, second, last) for hit in result.hits]
    assert sorted(seen) == sorted(entry.pk for entry in corpus.values())


# --- facets ----------------------------------------------------------------------------


def test_facet_counts_cover_every_match(engine, corpus, ids):
    facets = search(engine, "migof").facets
    assert facets["kind"] == {
        "case_study": 3,
        "lesson": 3,
        "indicator": 3,
        "element": 2,
        "module": 1,
        "document": 1,
    }
    assert facets["element"] == {"P3": 5, "P1": 2, "O1": 1, "O2": 1, "P2": 1}
    assert facets["framework"] == {"mgi-2016": 9}
    assert facets["indicator"] == {
        ids["EIU16-3.1"]: 5,
        ids["EIU16-3.4"]: 3,
        ids["EIU16-3.2"]: 1,
        ids["EIU16-4.1"]: 1,
    }
    assert facets["country"] == {"IT": 1, "KE": 1, "MX": 1}
    assert facets["region"] == {"africa": 1, "americas": 1, "europe": 1}
    assert facets["language"] == {"en": 10, "fr": 2, "es": 1}


def test_values_of_one_facet_add_up_and_facets_narrow_down(engine, corpus):
    either = search(engine, "migof", filters={"kind": ("lesson", "case_study")})
    assert either.total == 6  # OR within a facet
    both = search(engine, "migof", filters={"kind": ("lesson", "case_study"), "element": ("P3",)})
    assert both.total == 4  # AND across facets
    assert sorted(keys(corpus, [hit.entry_id for hit in both.hits])) == [
        "case:kenya",
        "case:route",
        "lesson:border",
        "lesson:frontieres",
    ]


def test_a_facet_counts_as_if_its_own_filter_were_lifted(engine, corpus):
    facets = search(engine, "migof", filters={"kind": ("lesson",), "element": ("P3",)}).facets
    # Type: every type's entries under P3, so another type can be added with one click.
    assert facets["kind"] == {"case_study": 2, "lesson": 2, "module": 1}
    # Element: the lessons' elements, whatever element is chosen.
    assert facets["element"] == {"P3": 2, "O1": 1}
    # Other facets: lessons under P3 only.
    assert facets["language"] == {"en": 1, "fr": 1}


def test_a_filter_value_nothing_carries_matches_nothing(engine, corpus):
    result = search(engine, "migof", filters={"country": ("ZZ",)})
    assert result.total == 0 and result.hits == ()
    assert result.facets["country"] == {"IT": 1, "KE": 1, "MX": 1}  # still offered


# --- language --------------------------------------------------------------------------


def test_entries_are_found_in_their_own_language(engine, corpus):
    found = keys(corpus, [hit.entry_id for hit in search(engine, "frontières").hits])
    assert "lesson:frontieres" in found
    spanish = keys(corpus, [hit.entry_id for hit in search(engine, "protección").hits])
    assert spanish == ["case:mexico"]


def test_the_language_filter_keeps_one_language(engine, corpus):
    result = search(engine, "migof", filters={"language": ("fr",)})
    assert sorted(keys(corpus, [hit.entry_id for hit in result.hits])) == [
        "element:p1:fr",
        "lesson:frontieres",
    ]
    assert result.facets["language"] == {"en": 10, "fr": 2, "es": 1}


# --- sorting ---------------------------------------------------------------------------


def test_newest_first_puts_undated_entries_last(engine, corpus):
    result = search(engine, "migof", sort=SORT_NEWEST)
    found = keys(corpus, [hit.entry_id for hit in result.hits])
    assert found[:9] == [
        "lesson:frontieres",
        "lesson:border",
        "module:border",
        "case:route",
        "element:p1:fr",
        "element:p1",
        "lesson:labour",
        "case:mexico",
        "case:kenya",
    ]
    assert set(found[9:]) == {
        "document:resolution",
        "indicator:3.1",
        "indicator:3.2",
        "indicator:3.4",
    }


def test_newest_first_applies_to_the_filtered_matches(engine, corpus):
    result = search(engine, "border", sort=SORT_NEWEST, filters={"kind": ("lesson", "module")})
    assert keys(corpus, [hit.entry_id for hit in result.hits]) == [
        "lesson:border",
        "module:border",
    ]


# --- what the page shows -----------------------------------------------------------------


def test_the_extract_marks_the_word_and_escapes_the_body(engine, corpus):
    results = page(engine, "q=smuggling").results
    route = next(result for result in results if result.url == "/case-studies/central-route/")
    assert "<mark>smuggling</mark>" in route.extract
    assert "<script>" not in route.extract
    assert "&lt;script&gt;" in route.extract
    assert "&amp;" in route.extract


def test_results_carry_type_trail_and_indicator_tags(engine, corpus):
    results = page(engine, "q=basics").results
    assert len(results) == 1
    lesson = results[0]
    assert (lesson.title, lesson.kind_label) == ("Border management basics", "Lesson")
    assert [crumb.text for crumb in lesson.trail] == [
        "P3 Strong partnerships",
        "Border management and cooperation",
    ]
    assert [tag.label for tag in lesson.tags] == ["3.1 Border control and enforcement"]


def test_facets_on_the_page_have_labels(engine, corpus, ids):
    facets = {facet.name: facet for facet in page(engine, "q=migof").facets}
    labels = {value.value: value.label for value in facets["indicator"].values}
    assert labels[ids["EIU16-3.4"]] == "3.4 Measures to combat human trafficking and smuggling"
    assert {value.label for value in facets["country"].values} == {"Italy", "Kenya", "Mexico"}
    assert [value.label for value in facets["language"].values] == [
        "English",
        "Français",
        "Español",
    ]
    assert facets["element"].values[0].label.startswith("P1 ")
    kinds = {value.value: value.label for value in facets["kind"].values}
    assert kinds["case_study"] == "Case study"


# --- autocomplete ----------------------------------------------------------------------


def test_suggestions_complete_title_words(engine, corpus):
    texts = [suggestion.text for suggestion in engine.suggest("bord")]
    assert "Border management basics" in texts
    assert "3.1 Border control and enforcement" in texts
    assert len(texts) == len(set(texts))


def test_an_indicator_code_suggests_that_indicator_first(engine, corpus):
    suggestions = engine.suggest("3.4")
    assert suggestions[0].text == "3.4 Measures to combat human trafficking and smuggling"
    assert (suggestions[0].url, suggestions[0].kind) == ("/i/3-4/", "indicator")


def test_an_entry_indexed_later_is_suggested_and_found_at_once(engine, corpus):
    """Suggestions and matches are cached per text (database engine) until the index
    changes: an entry indexed after the first ask shows on the next."""
    if engine.name != "database":
        pytest.skip("the cache under test is the database engine's")
    assert "Bordering regions compact" not in [s.text for s in engine.suggest("bord")]
    assert engine.search(Query(text="compact")).total == 0
    entry = GuidanceEntry.objects.create(
        key="test.later:1",
        kind="lesson",
        title="Bordering regions compact",
        body="A compact between bordering regions.",
        url="/later/",
        language="en",
    )
    engine.index_entries([entry])
    assert "Bordering regions compact" in [s.text for s in engine.suggest("bord")]
    assert engine.search(Query(text="compact")).total == 1


def test_suggestions_are_limited(engine, corpus):
    assert len(engine.suggest("mig", limit=2)) <= 2


# --- nothing matched -------------------------------------------------------------------


def test_a_misspelt_word_gets_spelling_near_terms(engine, corpus):
    result = search(engine, "smugling")
    assert result.total == 0
    assert "smuggling" in result.suggestions


def test_no_results_page_offers_spellings_and_related_indicators(engine, corpus):
    nothing = page(engine, "q=smugling")
    assert nothing.no_results
    assert "smuggling" in [link.text for link in nothing.spelling]
    assert [link.text for link in nothing.related_indicators] == [
        "3.4 Measures to combat human trafficking and smuggling"
    ]
