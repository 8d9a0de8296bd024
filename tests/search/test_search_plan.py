"""The search statement's plan on PostgreSQL (search.engines.sql.PostgresDialect, migrations
0003 and 0004): the matches are read from the entries alone (no join to modelsearch's index
table), and with statistics a word most entries contain still goes through a GIN index of
the words, not a scan that tests the words of every row one by one (on the benchmark's
10,000 entries: 100 ms against 30). Plans are exact, unlike timings: the tests read the
plan."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from search.engines.base import SORT_NEWEST, SORT_RELEVANCE, Query
from search.engines.database import DatabaseEngine
from search.engines.sql import dialect_for, planned_rows, search_statement
from search.models import GuidanceEntry

from .entries import lesson

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs PostgreSQL: set DATABASE_URL=..."
    ),
]

WORDS = "guidance_search_words(g.title_vector, g.body_vector) @@"


def plan(engine: DatabaseEngine, text: str, filters=None) -> str:
    dialect = dialect_for(engine.backend)
    statement = search_statement(
        dialect, text, filters or {}, sort=SORT_RELEVANCE, offset=0, limit=10
    )
    sql = statement.sql()
    assert WORDS in sql
    # As faceted_search runs it: the session's prepared statement, its generic plan.
    rows = planned_rows(dialect, sql, statement.params, explain=True)
    return "\n".join(row[0] for row in rows)


@pytest.fixture
def common_word(db) -> DatabaseEngine:
    """3,000 entries, 8 in 10 with the word "remittances", all with "diaspora" but one, and
    the planner's statistics."""
    GuidanceEntry.objects.all().delete()
    GuidanceEntry.objects.bulk_create(
        lesson(
            f"test.plan:{n}",
            f"Lesson {n}",
            ("Diaspora remittances and their costs. " if n % 5 else "Border posts. ") * 20
            + (" diaspora" if n else ""),
            {"element": ["P1"]},
        )
        for n in range(3_000)
    )
    engine = DatabaseEngine()
    engine.rebuild(GuidanceEntry.objects.order_by("pk"))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE wagtailsearch_indexentry")
        cursor.execute("ANALYZE guidance_search_guidanceentry")
        cursor.execute("ANALYZE guidance_search_match")
    return engine


def matches_part(searched: str) -> str:
    """The plan of the matches (CTE m), up to the next part."""
    return searched.split("CTE m\n", 1)[1].split("\n  CTE ", 1)[0]


def test_a_common_word_goes_through_the_words_index(common_word):
    searched = plan(common_word, "remittances")
    matches = matches_part(searched)
    assert "Bitmap Index Scan on guidance_search_match_words_gin" in matches, searched
    assert "wagtailsearch_indexentry" not in searched, searched  # no join to the index rows
    assert "Seq Scan on guidance_search_guidanceentry" not in searched, searched
    assert "Seq Scan on guidance_search_match" not in searched, searched
    # Not read in the order of a key index either (each set of facet values is read once,
    # by its key, after the matches: migration 0006).
    assert "Index Scan using guidance_search_guidanceentry" not in matches, searched
    assert "Parallel" not in searched, searched


GROUPED_BY_KEY = re.compile(r"Group Key: (m(?:_\d+)?)\.fkey, \1\.kind, \1\.language")


def test_each_set_of_facet_values_is_read_by_its_key_not_from_an_entry(common_word):
    """The matches are grouped by their facet sets' keys, not by the JSON of each, and the
    sets' values are the rows kept by key (migration 0007): no entry is read."""
    searched = plan(common_word, "remittances")
    assert GROUPED_BY_KEY.search(searched), searched
    assert "guidance_search_facet_set_value" in searched, searched
    assert "guidance_search_guidanceentry" not in searched, searched


def test_a_filtered_facet_reads_its_flags_from_the_kept_values_too(common_word):
    searched = plan(common_word, "remittances", {"element": ["P1"], "kind": ["lesson"]})
    assert GROUPED_BY_KEY.search(searched), searched
    sets = searched.split("CTE fs\n", 1)[1].split("\n  CTE ", 1)[0]
    assert "guidance_search_facet_set_value" in sets, searched
    assert "guidance_search_guidanceentry" not in searched, searched


def test_a_rare_word_goes_through_the_words_index_too(common_word):
    assert "Bitmap Index Scan on guidance_search_match_words_gin" in plan(common_word, "border")


def test_a_word_in_every_entry_but_one_too(common_word):
    searched = plan(common_word, "diaspora")
    assert "Bitmap Index Scan on guidance_search_match_words_gin" in searched, searched
    assert "Seq Scan on guidance_search_guidanceentry" not in searched, searched
    assert "Seq Scan on guidance_search_match" not in searched, searched


def test_the_settings_end_with_the_statement(common_word):
    def show() -> tuple[str, str]:
        with connection.cursor() as cursor:
            cursor.execute("SHOW enable_seqscan")
            seqscan = cursor.fetchone()[0]
            cursor.execute("SHOW jit")
            return seqscan, cursor.fetchone()[0]

    before = show()
    assert before[0] == "on"
    common_word.search(Query(text="remittances"))  # inside the test's transaction
    assert show() == before


def test_where_the_server_binds_parameters_the_settings_go_in_a_transaction(
    common_word, monkeypatch
):
    """With psycopg's server-side binding (one statement per query) the settings, the
    statement and the resets go one by one, in a transaction of their own: the same rows,
    and the connection keeps its settings."""
    dialect = dialect_for(common_word.backend)
    statement = search_statement(
        dialect, "remittances", {}, sort=SORT_RELEVANCE, offset=0, limit=10
    )
    together = planned_rows(dialect, statement.sql(), statement.params)
    monkeypatch.setitem(connection.settings_dict["OPTIONS"], "server_side_binding", True)
    with CaptureQueriesContext(connection) as ran:
        apart = planned_rows(dialect, statement.sql(), statement.params)
    assert apart == together
    sent = [q["sql"] for q in ran.captured_queries if "SAVEPOINT" not in q["sql"]]
    assert len(sent) == 3, sent  # (in a test's transaction: within a savepoint)
    assert sent[0].startswith("SET LOCAL") and sent[1].startswith("WITH tsq AS"), sent
    assert sent[2].startswith("RESET"), sent
    with connection.cursor() as cursor:
        cursor.execute("SHOW enable_seqscan")
        assert cursor.fetchone()[0] == "on"


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_too():
    """As on the site (autocommit): the settings, the statement and the resets go in one
    round trip, the statement's rows come back, and the connection keeps its settings."""
    GuidanceEntry.objects.bulk_create(
        lesson(
            f"test.plan.autocommit:{n}",
            f"Xylograph lesson {n}",
            "Xylographs and their costs.",
            {"element": ["P1"]},
        )
        for n in range(3)
    )
    engine = DatabaseEngine()
    engine.rebuild(GuidanceEntry.objects.order_by("pk"))
    engine.search(Query(text="warm"))  # the index version, as on a running site
    assert not connection.in_atomic_block
    with CaptureQueriesContext(connection) as ran:
        found = engine.search(Query(text="xylograph"))
    assert found.total == 3 and len(found.hits) == 3
    assert len(ran.captured_queries) == 1, [q["sql"][:80] for q in ran.captured_queries]
    with connection.cursor() as cursor:
        cursor.execute("SHOW enable_seqscan")
        assert cursor.fetchone()[0] == "on"


@pytest.mark.django_db(transaction=True)
def test_each_shape_is_prepared_once_per_session(monkeypatch):
    """The statement is prepared by the first search of its shape (the filters' number, the
    sort) in a session and only run by the next; a new session (a reconnection) prepares
    it again, and where a transaction-pooling proxy may hand queries to other sessions
    (DISABLE_SERVER_SIDE_CURSORS, as Django's documentation asks of those) nothing is
    prepared. The same rows every way."""
    GuidanceEntry.objects.bulk_create(
        lesson(
            f"test.plan.prepared:{n}",
            f"{word} lesson {n}",
            f"{word.title()}s and their records.",
            {"element": ["P1"]},
        )
        for n, word in enumerate(["xylograph", "xylograph", "zeugma", "zeugma", "zeugma"])
    )
    engine = DatabaseEngine()
    engine.rebuild(GuidanceEntry.objects.order_by("pk"))
    engine.search(Query(text="warm"))  # the index version, as on a running site

    def search(text: str) -> tuple[list[str], tuple[int, ...]]:
        query = Query(text=text, filters={"element": ("P1",)}, sort=SORT_NEWEST)
        with CaptureQueriesContext(connection) as ran:
            found = engine.search(query)
        return [q["sql"] for q in ran], found.total

    def kinds(sent: list[str]) -> list[str]:
        """PREPARE, or the statement run by name (EXECUTE), or sent whole (WITH)."""
        return [
            "PREPARE" if q.startswith("PREPARE ") else "EXECUTE" if "EXECUTE" in q else "WITH"
            for q in sent
        ]

    sent, total = search("xylograph")
    assert kinds(sent) == ["PREPARE", "EXECUTE"] and total == 2, sent
    sent, total = search("zeugma")
    assert kinds(sent) == ["EXECUTE"] and total == 3, sent
    connection.close()  # a new session: no statement prepared in it yet
    sent, total = search("records")
    assert kinds(sent) == ["PREPARE", "EXECUTE"] and total == 5, sent
    monkeypatch.setitem(connection.settings_dict, "DISABLE_SERVER_SIDE_CURSORS", True)
    connection.close()
    with CaptureQueriesContext(connection) as ran:
        found = engine.search(Query(text="xylograph records", filters={"element": ("P1",)}))
    assert found.total == 2 and len(ran.captured_queries) == 1
    assert "EXECUTE" not in ran.captured_queries[0]["sql"]
    assert "WITH tsq AS" in ran.captured_queries[0]["sql"]
