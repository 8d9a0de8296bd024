"""The database engine against a reference: what the engine used to compute in Python.

The reference is the engine's former path, kept here as the specification: Wagtail's search
backend ranks every match (`backend.search(...)`, the order the engine has always shown),
and `search.facets` filters, counts the facets, sorts and slices those matches in Python.
The engine now does all of that in SQL, ranking only the page shown; these tests hold it
to the same results, order, totals and facet counts, on SQLite and on PostgreSQL (with
DATABASE_URL), over a generated corpus with common and rare words, ties in relevance and in
date, entries without a date, and facet values in every shape the Python code accepts.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wagtail.search.backends import get_search_backend

from search.engines.base import FACETS, SORT_NEWEST, SORT_RELEVANCE, Query
from search.engines.database import DATABASE_BACKEND, DatabaseEngine, fold
from search.engines.sql import dialect_for
from search.facets import Match, facet_page, normalise_facets
from search.models import EntryKind, GuidanceEntry

pytestmark = pytest.mark.django_db

# Word frequencies from very common to rare, as in a real corpus. None is a stop word, and
# each is its own stem in English (SQLite does not stem, PostgreSQL does).
WORDS = {
    "border": 40,
    "visa": 20,
    "labour": 12,
    "remittance": 8,
    "asylum": 5,
    "diaspora": 3,
    "census": 2,
    "quota": 1,
}
ELEMENTS = ["P1", "P2", "P3", "O1", "O2", "O3"]
DAYS = [datetime(2024, month, 1, 9, 0, tzinfo=UTC) for month in (1, 3, 5, 7)]
SIZE = 240


def _facets(rng: random.Random) -> dict:
    """Facet values as the indexer writes them (lists of strings), and the odd shapes the
    Python faceting tolerated: a scalar, numbers, repeats, blanks, nulls, empty lists."""
    facets: dict = {}
    shape = rng.random()
    elements = rng.sample(ELEMENTS, k=rng.choice([1, 1, 2]))
    if shape < 0.05:
        facets["element"] = elements[0]  # a scalar
    elif shape < 0.1:
        facets["element"] = [elements[0], elements[0], "", None]  # repeats, blank, null
    elif shape < 0.9:
        facets["element"] = elements
    if rng.random() < 0.7:
        facets["framework"] = ["mgi-2016"] if rng.random() < 0.8 else ["mgi-2016", "sdg"]
        facets["domain"] = [str(rng.randint(1, 4))]
        indicators = sorted({rng.randint(10, 16) for _ in range(rng.randint(1, 3))})
        if rng.random() < 0.1:
            facets["indicator"] = indicators  # numbers, not strings
        elif rng.random() < 0.05:
            facets["indicator"] = [str(indicators[0]), indicators[0]]  # "10" and 10: once
        else:
            facets["indicator"] = [str(n) for n in indicators]
    if rng.random() < 0.3:
        country = rng.choice(["KE", "MX", "IT", "PH"])
        facets["country"] = [country]
        facets["region"] = [{"KE": "africa", "MX": "americas", "IT": "europe"}.get(country, "asia")]
    if rng.random() < 0.05:
        facets["region"] = []
    return facets


def corpus_rows(seed: int = 20261128, size: int = SIZE) -> list[dict]:
    rng = random.Random(seed)
    words = list(WORDS)
    weights = list(WORDS.values())
    rows: list[dict] = []
    for n in range(size):
        if n % 9 == 8:
            # The same words as an earlier entry: the same rank, so the order between them
            # is the tie-break's (the most recent id first).
            twin = rows[rng.randrange(len(rows))]
            title, body = twin["title"], twin["body"]
        else:
            title = " ".join(rng.choices(words, weights=weights, k=rng.randint(1, 3)))
            body = " ".join(rng.choices(words, weights=weights, k=rng.randint(3, 40)))
        rows.append(
            {
                "key": f"test.generated:{n}",
                "kind": rng.choice(EntryKind.values),
                "title": f"{title} {n}",
                "body": f"{body} migof",
                "url": f"/generated/{n}/",
                "language": rng.choice(["en", "en", "fr", "es"]),
                "facets": _facets(rng),
                "published_at": rng.choice([None, *DAYS]),
            }
        )
    return rows


@pytest.fixture
def generated(db) -> DatabaseEngine:
    """The generated corpus, alone in the index, and the database engine over it."""
    GuidanceEntry.objects.all().delete()
    GuidanceEntry.objects.bulk_create(GuidanceEntry(**row) for row in corpus_rows())
    engine = DatabaseEngine()
    engine.rebuild(GuidanceEntry.objects.order_by("pk"))
    return engine


def ranked_matches(text: str) -> list[Match]:
    """Every match of the words, in the backend's relevance order."""
    backend = get_search_backend(DATABASE_BACKEND)
    results = backend.search(text, GuidanceEntry.objects.all(), operator="and")
    rows = results.get_queryset().values_list("id", "kind", "language", "facets", "published_at")
    return [
        Match(id=pk, kind=kind, language=language, facets=normalise_facets(facets), published_at=at)
        for pk, kind, language, facets, at in rows
    ]


def reference(
    query: Query, known: dict[str, list[Match]] | None = None
) -> tuple[int, list[int], dict[str, list[tuple[str, int]]], int]:
    """What the engine computed before it did so in SQL: (total, page ids, facet counts in
    their order, number of matches before filters). `known`: matches already ranked."""
    known = {} if known is None else known
    if query.text not in known:
        known[query.text] = ranked_matches(query.text)
    matches = known[query.text]
    page = facet_page(
        matches, query.filters, sort=query.sort, offset=query.offset, limit=query.limit
    )
    facets = {facet: list(counts.items()) for facet, counts in page.facets.items()}
    return page.total, list(page.ids), facets, len(matches)


def observed(engine: DatabaseEngine, query: Query):
    result = engine.search(query)
    facets = {facet: list(counts.items()) for facet, counts in result.facets.items()}
    return result.total, [hit.entry_id for hit in result.hits], facets


TEXTS = [
    "border",  # in most entries
    "visa",
    "remittance",
    "census",  # in a few
    "quota",  # in one or two
    "border visa",  # every word must match
    "asylum labour",
    "migof",  # in every body: the whole corpus
    "nowhere",  # in none
]
FILTERS = [
    {},
    {"kind": ("lesson",)},
    {"kind": ("lesson", "module", "case_study")},
    {"language": ("fr",)},
    {"element": ("P1",)},
    {"element": ("P1", "O2"), "language": ("fr", "en")},
    {"indicator": ("12",)},
    {"indicator": ("10", "14"), "kind": ("lesson", "indicator"), "region": ("africa", "asia")},
    {"framework": ("sdg",), "domain": ("2", "3")},
    {"country": ("ZZ",)},  # a value nothing carries
]


def test_pages_totals_and_facets_are_what_they_were(generated):
    """Every text, filter and sort, page after page: the same entries in the same order, the
    same total and the same facet counts (in the same order) as before."""
    compared = 0
    known: dict[str, list[Match]] = {}
    for text in TEXTS:
        for filters in FILTERS:
            for sort in (SORT_RELEVANCE, SORT_NEWEST):
                offset = 0
                while True:
                    query = Query(text=text, filters=filters, sort=sort, offset=offset, limit=10)
                    total, ids, facets, _matched = reference(query, known)
                    assert observed(generated, query) == (total, ids, facets), query
                    compared += 1
                    offset += 10
                    if offset >= total or offset > 30:
                        break
    assert compared > 250


def test_the_whole_ranking_is_the_pages_put_together(generated):
    """Ranking order across pages: pages of 7 put together are the ranking of all the
    matches (no entry twice, none skipped), ties included."""
    for text, sort in (("border", SORT_RELEVANCE), ("migof", SORT_NEWEST), ("visa", "")):
        total, every, _facets, _matched = reference(Query(text=text, sort=sort, limit=SIZE))
        assert total > 20
        pages = []
        for offset in range(0, total, 7):
            pages += observed(generated, Query(text=text, sort=sort, offset=offset, limit=7))[1]
        assert pages == every


@pytest.mark.parametrize(
    ("offset", "limit"),
    [(-5, 10), (0, 0), (0, -1), (500, 10), (235, 10)],
)
def test_odd_slices_are_what_they_were(generated, offset, limit):
    query = Query(text="migof", offset=offset, limit=limit)
    total, ids, facets, _matched = reference(query)
    assert total == SIZE
    assert observed(generated, query) == (total, ids, facets)


def test_facet_counts_with_a_filter_lift_only_their_own_filter(generated):
    """Disjunctive counts by hand: the type facet counts every type under the chosen element;
    the element facet counts the chosen type's elements; the others count both filters."""
    filters = {"kind": ("lesson",), "element": ("P1",)}
    result = generated.search(Query(text="migof", filters=filters))
    entries = list(GuidanceEntry.objects.all())

    def values(entry, facet):
        if facet in ("kind", "language"):
            return {getattr(entry, facet)}
        return set(normalise_facets(entry.facets).get(facet, ()))

    def passes(entry, facet):
        return not set(filters.get(facet, ())).isdisjoint(values(entry, facet))

    def count(facet, keep):
        counts: dict[str, int] = {}
        for entry in entries:
            if keep(entry):
                for value in values(entry, facet):
                    counts[value] = counts.get(value, 0) + 1
        return counts

    assert result.facets["kind"] == count("kind", lambda e: passes(e, "element"))
    assert result.facets["element"] == count("element", lambda e: passes(e, "kind"))
    both = [e for e in entries if passes(e, "kind") and passes(e, "element")]
    assert result.total == len(both) > 0
    for facet in set(FACETS) - {"kind", "element"}:
        expected = count(facet, lambda e: passes(e, "kind") and passes(e, "element"))
        assert result.facets.get(facet, {}) == expected, facet


def test_a_text_nothing_matches_gets_spellings_and_a_text_that_matches_none(generated):
    nothing = generated.search(Query(text="bordr"))
    assert (nothing.total, nothing.hits, nothing.facets) == (0, (), {})
    assert "border" in nothing.suggestions
    # Matches, all filtered out: no spelling to offer (the words were right).
    filtered = generated.search(Query(text="border", filters={"country": ("ZZ",)}))
    assert filtered.total == 0 and filtered.suggestions == ()
    assert filtered.facets["country"]  # the other countries stay offered


def test_a_search_is_one_query_and_none_when_asked_again(generated):
    """One statement, whatever the filters; the answer is kept for the same index. On
    PostgreSQL the session prepared the statement's shape at an earlier search (other
    words, the same number of filters and sort): this search only runs it."""
    query = Query(text="border visa", filters={"kind": ("lesson", "module")}, offset=10)
    # The index version, as on a running site; the shape prepared.
    generated.search(Query(text="warm", filters={"kind": ("lesson", "module")}, offset=10))
    with CaptureQueriesContext(connection) as first:
        result = generated.search(query)
    ran = [q["sql"] for q in first.captured_queries]
    # PostgreSQL's statement runs under its planner settings (search.engines.sql.planned_rows),
    # set before it and reset after it in the same round trip, as the prepared statement.
    settings = dialect_for(generated.backend).planner_settings
    statement = ran[0] if ran else ""
    expected = "WITH m AS"
    if settings:
        settings += (("plan_cache_mode", "force_generic_plan"),)
        before = "; ".join(f"SET LOCAL {name} = {value}" for name, value in settings) + "; "
        after = "; " + "; ".join(f"RESET {name}" for name, _ in settings)
        assert statement.startswith(before) and statement.endswith(after), statement[:120]
        statement = statement[len(before) :]
        expected = "EXECUTE migof_search_"
    assert len(ran) == 1 and statement.startswith(expected), [q[:80] for q in ran]
    with CaptureQueriesContext(connection) as again:
        assert DatabaseEngine().search(query) == result
    assert again.captured_queries == []


def test_both_test_databases_take_the_sql_path(generated):
    """SQLite (FTS5) and PostgreSQL each have a statement: the comparisons above test it."""
    assert dialect_for(generated.backend) is not None


def test_other_databases_keep_the_python_path(generated, monkeypatch):
    """Where the database has no statement (Wagtail's fallback backend, MySQL), the engine
    ranks and facets as before."""
    monkeypatch.setattr("search.engines.database.dialect_for", lambda backend: None)
    known: dict[str, list[Match]] = {}
    for text, filters, sort, offset in [
        ("border", {}, SORT_RELEVANCE, 0),
        ("border visa", {"kind": ("lesson", "module")}, SORT_NEWEST, 10),
        ("migof", {"element": ("P1",), "language": ("en",)}, SORT_RELEVANCE, 20),
    ]:
        query = Query(text=text, filters=filters, sort=sort, offset=offset, limit=10)
        total, ids, facets, _matched = reference(query, known)
        assert observed(generated, query) == (total, ids, facets), query


def test_every_match_is_counted_however_many(db):
    """Past a thousand matches the total and the facet counts still count every match (the
    Python path counted the thousand most relevant), and the pages go on to the last."""
    GuidanceEntry.objects.all().delete()
    GuidanceEntry.objects.bulk_create(
        GuidanceEntry(
            key=f"test.many:{n}",
            kind=EntryKind.LESSON if n % 3 else EntryKind.MODULE,
            title=f"Remittance corridor {n}" if n % 10 == 0 else f"Lesson {n}",
            body="Diaspora remittances and their costs. " * (1 + n % 4),
            url=f"/many/{n}/",
            language="en",
            facets={"element": [ELEMENTS[n % 6]]},
        )
        for n in range(1_200)
    )
    engine = DatabaseEngine()
    engine.rebuild(GuidanceEntry.objects.order_by("pk"))
    result = engine.search(Query(text="remittances"))
    assert result.total == 1_200
    assert result.facets["kind"] == {"lesson": 800, "module": 400}
    assert result.facets["element"] == dict.fromkeys(["O1", "O2", "O3", "P1", "P2", "P3"], 200)
    last = engine.search(Query(text="remittances", offset=1_190, limit=10))
    assert len(last.hits) == 10
    # The first page is the first page of the backend's ranking.
    ranking = [match.id for match in ranked_matches("remittances")]
    assert [hit.entry_id for hit in result.hits] == ranking[:10]


def reference_suggestions(text: str, limit: int = 8) -> list[str]:
    """What suggest answered before: Wagtail's autocomplete, the current language first."""
    backend = get_search_backend(DATABASE_BACKEND)
    found = backend.autocomplete(text, GuidanceEntry.objects.all(), operator="and")[: limit * 3]
    texts: dict[str, str] = {}
    for entry in sorted(found, key=lambda entry: entry.language != "en"):
        texts.setdefault(fold(entry.title), entry.title)
    return list(texts.values())[:limit]


@pytest.mark.parametrize("prefix", ["bo", "bord", "vis", "remit", "census q", "border vi", "zz"])
def test_suggestions_are_what_they_were(generated, prefix):
    assert [s.text for s in generated.suggest(prefix)] == reference_suggestions(prefix)


def test_the_body_orders_entries_whose_titles_rank_alike(db):
    """Titles alike, bodies saying the word more or less often, and bodies alone: whichever
    part of the rank decides, every page is the ranking's (PostgreSQL ranks a body only
    where it can change the page)."""
    GuidanceEntry.objects.all().delete()
    rows = []
    for n in range(36):
        title = ["Visa waivers", "Visa", "Border posts"][n % 3]
        body = " ".join(["visa" if k < 1 + n % 7 else "migof" for k in range(12)])
        rows.append(
            GuidanceEntry(
                key=f"test.alike:{n}",
                kind=EntryKind.LESSON,
                title=title,
                body=body,
                url=f"/alike/{n}/",
                language="en",
                published_at=DAYS[n % 3] if n % 5 else None,
            )
        )
    GuidanceEntry.objects.bulk_create(rows)
    engine = DatabaseEngine()
    engine.rebuild(GuidanceEntry.objects.order_by("pk"))
    known: dict[str, list[Match]] = {}
    for text in ("visa", "visa waivers", "migof"):
        for sort in (SORT_RELEVANCE, SORT_NEWEST):
            for offset, limit in ((0, 5), (5, 5), (10, 10), (20, 10), (30, 10), (0, 36)):
                query = Query(text=text, sort=sort, offset=offset, limit=limit)
                total, ids, facets, _matched = reference(query, known)
                assert observed(engine, query) == (total, ids, facets), query
