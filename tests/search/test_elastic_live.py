"""The Elasticsearch engine against a real server: runs only when ELASTICSEARCH_URL is set.

Each test works under its own index prefix and deletes its indices afterwards, so the suite
can run against a shared server. No server runs on the development machines: there these
tests are skipped, and tests/search/test_elastic_bodies.py checks the requests instead.
"""

from __future__ import annotations

import os
import threading
import uuid
from datetime import UTC, datetime

import pytest
from elasticsearch import Elasticsearch

from search.engines.base import SORT_NEWEST, Query
from search.engines.elastic import ElasticEngine, SearchUnavailable
from search.models import GuidanceEntry

ELASTICSEARCH_URL = os.environ.get("ELASTICSEARCH_URL", "")

pytestmark = pytest.mark.skipif(
    not ELASTICSEARCH_URL,
    reason="needs an Elasticsearch 8 server: set ELASTICSEARCH_URL (none runs on this machine)",
)


def entry(pk: int, **fields) -> GuidanceEntry:
    defaults = {
        "key": f"courses.lessonpage:{pk}",
        "kind": "lesson",
        "url": f"/lessons/{pk}/",
        "language": "en",
        "body": "",
        "facets": {},
        "published_at": datetime(2025, 1, pk, tzinfo=UTC),
    }
    return GuidanceEntry(pk=pk, **{**defaults, **fields})


CORPUS = [
    entry(
        1,
        title="Labour migration governance",
        body="Countries cooperate on labour mobility and migrant workers' rights <script>.",
        facets={"element": ["P1"], "country": ["KE"], "region": ["africa"]},
    ),
    entry(
        2,
        title="Gouvernance des migrations",
        body="Les politiques publiques encadrent la mobilité des travailleurs.",
        language="fr",
        facets={"element": ["P2"]},
    ),
    entry(
        3,
        key="case_studies.casestudypage:3",
        kind="case_study",
        title="Migraciones laborales en Senegal",
        body="El país adoptó una estrategia nacional sobre migraciones laborales.",
        language="es",
        facets={"element": ["P1"], "country": ["SN"], "region": ["africa"]},
    ),
    entry(
        4,
        key="framework_content.indicator:40",
        kind="indicator",
        title="3.4 Labour migration policy",  # as search.indexing titles indicators
        body="Whether the country has a national strategy on labour migration.",
        url="/indicators/eiu16/3-4/",
        facets={"framework": ["eiu16"], "indicator": ["40"], "element": ["P1"]},
    ),
    entry(
        5,
        key="wagtaildocs.document:5",
        kind="document",
        title="Remittances handbook",
        body="A handbook on remittances and migration data for statistical offices.",
        facets={"element": ["P3"]},
    ),
]


@pytest.fixture
def client():
    client = Elasticsearch(ELASTICSEARCH_URL, request_timeout=30)
    yield client
    client.close()


@pytest.fixture
def engine(client):
    prefix = f"test_{uuid.uuid4().hex[:10]}_"
    engine = ElasticEngine(client=client, prefix=prefix)
    yield engine
    names = list(client.options(ignore_status=404).indices.get(index=f"{prefix}*").body)
    names = [name for name in names if name.startswith(prefix)]
    if names:
        client.options(ignore_status=404).indices.delete(index=names)


@pytest.fixture
def built(engine):
    engine.rebuild(CORPUS)
    return engine


def ids(result) -> list[int]:
    return [hit.entry_id for hit in result.hits]


def test_titles_rank_first_and_every_match_is_counted(built) -> None:
    result = built.search(Query(text="labour migration"))
    assert set(ids(result)[:2]) == {1, 4}  # both words in the title
    assert result.total == len(ids(result)) >= 4


def test_facets_combine_and_each_counts_without_its_own_filter(built) -> None:
    result = built.search(Query(text="migration", filters={"element": ("P1",)}))
    assert set(ids(result)) == {1, 4}
    assert result.facets["element"] == {"P1": 2, "P2": 1, "P3": 1}  # P2: French "migrations"
    assert result.facets["kind"] == {"lesson": 1, "indicator": 1}

    both = built.search(
        Query(text="migration", filters={"element": ("P1", "P3"), "kind": ("document",)})
    )
    assert ids(both) == [5]
    assert both.facets["kind"] == {"lesson": 1, "indicator": 1, "document": 1}
    assert both.facets["element"] == {"P3": 1}


def test_each_language_is_stemmed_by_its_own_analyzer(built) -> None:
    assert ids(built.search(Query(text="policies"))) == [4]  # English: the title's "policy"
    assert ids(built.search(Query(text="politique"))) == [2]  # French: politiques
    assert 3 in ids(built.search(Query(text="migración laboral")))  # Spanish plural


def test_the_extract_marks_the_words_and_escapes_the_text(built) -> None:
    (hit,) = built.search(Query(text="workers", filters={"language": ("en",)})).hits
    assert "<mark>workers</mark>" in hit.highlight
    assert "&lt;script&gt;" in hit.highlight
    assert "<script>" not in hit.highlight


def test_pages_and_newest_first(built) -> None:
    newest = built.search(Query(text="migration", sort=SORT_NEWEST))
    assert ids(newest) == sorted(ids(newest), reverse=True)  # published 1..5 January
    second = built.search(Query(text="migration", sort=SORT_NEWEST, offset=2, limit=2))
    assert ids(second) == ids(newest)[2:4]
    far = built.search(Query(text="migration", offset=999_990, limit=10))
    assert far.hits == () and far.total == newest.total


def test_nothing_found_offers_spelling_near_terms(built) -> None:
    result = built.search(Query(text="migratoin"))
    assert result.total == 0
    assert "migration" in result.suggestions


def test_completion_by_indicator_code_title_and_inner_word(built) -> None:
    by_code = built.suggest("3.4")
    assert [(s.text, s.url, s.kind) for s in by_code] == [
        ("3.4 Labour migration policy", "/indicators/eiu16/3-4/", "indicator")
    ]
    by_title = [s.text for s in built.suggest("lab")]
    assert by_title[0] == "Labour migration governance"  # starts with it: ranked first
    assert set(by_title[1:]) == {"3.4 Labour migration policy", "Migraciones laborales en Senegal"}
    assert "Remittances handbook" in {s.text for s in built.suggest("handb")}
    assert len(built.suggest("migr", limit=2)) == 2


def test_updates_and_deletes_show_at_once(built) -> None:
    changed = entry(5, key="wagtaildocs.document:5", kind="document", title="Diaspora handbook")
    built.index_entries([changed])
    assert ids(built.search(Query(text="diaspora"))) == [5]
    built.delete_keys(["wagtaildocs.document:5", "never.indexed:1"])
    assert built.search(Query(text="handbook")).total == 0


def test_incremental_indexing_before_any_rebuild_creates_the_index(engine) -> None:
    with pytest.raises(SearchUnavailable):
        engine.search(Query(text="migration"))
    engine.index_entries(CORPUS[:1])
    assert ids(engine.search(Query(text="migration"))) == [1]


def test_a_rebuild_swaps_in_while_searches_keep_answering(built, client) -> None:
    (old_index,) = client.indices.get_alias(name=built.alias).body
    errors: list[Exception] = []
    totals: list[int] = []
    stop = threading.Event()

    def keep_searching() -> None:
        while not stop.is_set():
            try:
                totals.append(built.search(Query(text="migration")).total)
            except Exception as exc:  # any failure at all is what this test looks for
                errors.append(exc)

    searcher = threading.Thread(target=keep_searching)
    searcher.start()
    try:
        built.rebuild([*CORPUS, entry(6, title="Migration data", body="Migration statistics.")])
    finally:
        stop.set()
        searcher.join()

    assert errors == []
    assert totals and set(totals) <= {4, 5}  # the old corpus, then the new one
    (new_index,) = client.indices.get_alias(name=built.alias).body
    assert new_index != old_index
    assert not client.indices.exists(index=old_index)
    assert 6 in ids(built.search(Query(text="statistics")))
