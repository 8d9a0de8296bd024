"""The matches' counts kept per word (migration 0009, PostgreSQL only) and the search
statement's one-word path (search.engines.sql).

The kept rows must always be what counting the matches' table gives, whatever writes the
entries (a save, a bulk write, a queryset update, a delete, a TRUNCATE); a one-word search
reads its counts from them and ranks its page among the title matches when the page is
there, reading every match otherwise; its answers are those of the reference (the engine's
former Python path: tests/search/test_database_engine.py, which runs these texts too)."""

from __future__ import annotations

import pytest
from django.db import connection

from search.engines.base import SORT_NEWEST, SORT_RELEVANCE, Query
from search.engines.database import DatabaseEngine
from search.engines.sql import dialect_for, search_statement
from search.models import EntryKind, GuidanceEntry

from .entries import lesson
from .test_database_engine import observed, reference

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs PostgreSQL: set DATABASE_URL=..."
    ),
]

TABLE = "guidance_search_word_group"
# What the kept rows must be: the matches' table counted now.
COUNTED = """
    SELECT l.lexeme, COALESCE(g.fkey, 0), g.kind, g.language, COUNT(*)
    FROM guidance_search_match g
    CROSS JOIN LATERAL unnest(tsvector_to_array(guidance_search_words(g.title_vector, g.body_vector))) AS l(lexeme)
    GROUP BY 1, 2, 3, 4
"""  # noqa: E501


def kept_and_counted() -> tuple[set, set]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT lexeme, fkey, kind, language, n FROM {TABLE}")  # noqa: S608
        kept = set(cursor.fetchall())
        cursor.execute(COUNTED)
        return kept, set(cursor.fetchall())


def entries(count: int, *, start: int = 0) -> list[GuidanceEntry]:
    """`count` lessons: every fifth has "visa" in its title; every one has it in its body,
    with "border" in every other; three facet sets."""
    return [
        lesson(
            f"test.words:{n}",
            f"Visa rules {n}" if n % 5 == 0 else f"Lesson {n}",
            "Visa processing times. " + ("Border posts and visa desks. " if n % 2 else ""),
            {"element": [["P1"], ["P2", "O1"], ["O3"]][n % 3]},
        )
        for n in range(start, start + count)
    ]


@pytest.fixture
def corpus(db) -> DatabaseEngine:
    GuidanceEntry.objects.all().delete()
    GuidanceEntry.objects.bulk_create(entries(120))
    engine = DatabaseEngine()
    engine.rebuild(GuidanceEntry.objects.order_by("pk"))
    return engine


def test_the_kept_counts_follow_every_write(corpus):
    kept, counted = kept_and_counted()
    assert kept == counted and any(row[0] == "visa" and row[4] > 1 for row in kept)

    # One entry saved with another type, set of facets and words.
    entry = GuidanceEntry.objects.get(key="test.words:3")
    entry.kind = EntryKind.MODULE
    entry.facets = {"element": ["P3"]}
    entry.body = "Quota tables."
    entry.save()
    corpus.rebuild(GuidanceEntry.objects.filter(pk=entry.pk))
    kept, counted = kept_and_counted()
    assert kept == counted
    assert any(row[0] == "quota" and row[2] == "module" and row[4] == 1 for row in kept)

    # A queryset update, a bulk write, deletes one by one and in bulk.
    GuidanceEntry.objects.filter(key__in=["test.words:4", "test.words:5"]).update(language="fr")
    GuidanceEntry.objects.bulk_create(entries(30, start=500))
    GuidanceEntry.objects.get(key="test.words:6").delete()
    GuidanceEntry.objects.filter(key__startswith="test.words:1").delete()
    corpus.rebuild(GuidanceEntry.objects.order_by("pk"))
    kept, counted = kept_and_counted()
    assert kept == counted
    assert all(row[4] > 0 for row in kept)  # a count that reaches nothing is no row

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE guidance_search_guidanceentry")
    assert kept_and_counted() == (set(), set())


def row_versions(table: str) -> set:
    """Where each row is stored and the transaction that wrote it: a row written again
    moves (a test runs in one transaction, so the place tells)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT ctid, xmin::text FROM {table}")  # noqa: S608
        return set(cursor.fetchall())


def test_reindexing_unchanged_entries_rewrites_no_counts(corpus):
    """A rebuild of entries whose words did not change writes no count row; a rewrite of the
    index rows that changes nothing (modelsearch's refresh of the title norms, once they are
    set) writes no entry, no matches' row and no count (migration 0010: before, each such
    rewrite wrote the entry and its matches' row twice and counted its words under the
    counts' lock); a changed title norm still reaches the matches, which rank by it."""
    counts_before = row_versions(TABLE)
    # modelsearch writes each row with a title norm of 1, then sets every norm again.
    corpus.rebuild(GuidanceEntry.objects.order_by("pk"))
    assert row_versions(TABLE) == counts_before

    entries_before = row_versions("guidance_search_guidanceentry")
    matches_before = row_versions("guidance_search_match")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE wagtailsearch_indexentry SET title_norm = title_norm")
    assert row_versions("guidance_search_guidanceentry") == entries_before
    assert row_versions("guidance_search_match") == matches_before
    assert row_versions(TABLE) == counts_before

    entry = GuidanceEntry.objects.get(key="test.words:5")
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE wagtailsearch_indexentry SET title_norm = 0.25 WHERE object_id = %s",
            [str(entry.pk)],
        )
        cursor.execute("SELECT title_norm FROM guidance_search_match WHERE id = %s", [entry.pk])
        assert cursor.fetchone() == (0.25,)
    assert row_versions(TABLE) == counts_before
    kept, counted = kept_and_counted()
    assert kept == counted


def count_calls(function: str) -> int:
    """How many times this transaction has called `function` (PostgreSQL's per-transaction
    function statistics: `track_functions` must be on for it, see below)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COALESCE(SUM(calls), 0) FROM pg_stat_xact_user_functions WHERE funcname = %s",
            [function],
        )
        return int(cursor.fetchone()[0])


def test_writing_many_entries_writes_the_counts_once_per_statement(corpus):
    """Rebuilding the index of many entries in one transaction writes the counts once per
    statement of the writer, not once per entry (migration 0010): per entry, each write left
    a version of its words' count rows (the common words' written by nearly every entry)
    that the next write stepped over, so N entries cost N² (the benchmark's 10,000 did not
    finish in half an hour)."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL track_functions = 'pl'")

    def rebuild_writes() -> int:
        before = count_calls("guidance_search_keep_word_groups")
        corpus.rebuild(GuidanceEntry.objects.order_by("pk"))  # one batch of index rows
        return count_calls("guidance_search_keep_word_groups") - before

    with_120 = rebuild_writes()
    GuidanceEntry.objects.bulk_create(entries(300, start=1000))
    with_420 = rebuild_writes()
    assert with_120 > 0 and with_420 == with_120
    kept, counted = kept_and_counted()
    assert kept == counted and sum(row[4] for row in kept if row[0] == "visa") == 420

    GuidanceEntry.objects.filter(key__startswith="test.words:1").delete()
    kept, counted = kept_and_counted()
    assert kept == counted


def explained(engine: DatabaseEngine, text: str, filters=None, sort=SORT_RELEVANCE) -> str:
    """The statement's plan as it ran (EXPLAIN ANALYZE: which parts were never executed),
    under the planner settings the engine runs it with."""
    dialect = dialect_for(engine.backend)
    statement = search_statement(dialect, text, filters or {}, sort=sort, offset=0, limit=10)
    with connection.cursor() as cursor:
        for name, value in dialect.planner_settings:
            cursor.execute(f"SET LOCAL {name} = {value}")
        # nosemgrep: migof-sql-built-from-strings -- the module's statement, values apart
        cursor.execute("EXPLAIN (ANALYZE, COSTS OFF) " + statement.sql(), statement.params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        for name, _value in dialect.planner_settings:
            cursor.execute(f"RESET {name}")
    return plan


def words_index_read(plan: str) -> bool:
    """Whether the GIN index of every match's words was read (not "never executed")."""
    lines = [line for line in plan.splitlines() if "guidance_search_match_words_gin" in line]
    return any("never executed" not in line for line in lines)


def test_one_word_reads_its_kept_counts_and_its_page_from_the_titles(corpus):
    plan = explained(corpus, "visa")
    assert "guidance_search_word_group" in plan, plan
    assert "guidance_search_match_title_gin" in plan, plan
    assert not words_index_read(plan), plan
    query = Query(text="visa")
    assert observed(corpus, query) == reference(query)[:3]


def test_filtered_one_word_search_too(corpus):
    filters = {"element": ("P2", "O3"), "kind": ("lesson",)}  # 16 titles with the word
    assert not words_index_read(explained(corpus, "visa", filters))
    query = Query(text="visa", filters=filters)
    assert observed(corpus, query) == reference(query)[:3]


@pytest.mark.parametrize(
    ("text", "sort", "why"),
    [
        ("border", SORT_RELEVANCE, "in no title: the page is among the other matches"),
        ("visa", SORT_NEWEST, "newest first: dates, not titles"),
        ("visa border", SORT_RELEVANCE, "two words: no kept counts"),
    ],
)
def test_otherwise_every_match_is_read(corpus, text, sort, why):
    assert words_index_read(explained(corpus, text, sort=sort)), why
    query = Query(text=text, sort=sort)
    assert observed(corpus, query) == reference(query)[:3], why


def test_few_title_matches_rank_every_match(corpus):
    """Fewer title matches than the page's rows: the page goes on with the body matches."""
    GuidanceEntry.objects.filter(title__startswith="Visa").exclude(
        key__in=["test.words:0", "test.words:5"]
    ).delete()
    assert words_index_read(explained(corpus, "visa"))
    query = Query(text="visa")
    total, ids, facets, _matched = reference(query)
    assert observed(corpus, query) == (total, ids, facets)
    assert len(ids) == 10 and {"test.words:0", "test.words:5"} <= set(
        GuidanceEntry.objects.filter(pk__in=ids).values_list("key", flat=True)
    )


def _connect():
    import psycopg

    settings = connection.settings_dict
    return psycopg.connect(
        host=settings["HOST"],
        port=settings["PORT"] or 5432,
        user=settings["USER"],
        dbname=settings["NAME"],
        password=settings["PASSWORD"] or None,
    )


MATCH_ROW = (
    "INSERT INTO guidance_search_match (id, kind, language, fkey, published_at, "
    "title_vector, body_vector, title_norm) "
    "VALUES (%s, 'lesson', 'en', 7, NULL, to_tsvector('simple', %s), "
    "to_tsvector('simple', ''), 1)"
)


@pytest.mark.django_db(transaction=True)
def test_two_writers_in_crossed_order_take_turns():
    """Two transactions write matches whose words the other one wrote first (alpha then
    beta, beta then alpha): the second waits for the first to commit instead of each
    waiting on the other (a deadlock PostgreSQL would break by cancelling one)."""
    import threading
    import time

    first, second = _connect(), _connect()
    wrote_alpha, second_started = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def one():
        try:
            with first.cursor() as cursor:
                cursor.execute(MATCH_ROW, [-1, "alpha"])
                wrote_alpha.set()
                second_started.wait(5)
                # Let the other transaction reach its first write (and hold beta, were
                # there no turns), then write beta.
                time.sleep(0.5)
                cursor.execute(MATCH_ROW, [-2, "beta"])
            first.commit()
        except BaseException as error:  # noqa: BLE001 -- reported by the test below
            errors.append(error)
            first.rollback()

    def two():
        try:
            wrote_alpha.wait(5)
            second_started.set()
            with second.cursor() as cursor:
                cursor.execute(MATCH_ROW, [-3, "beta"])
                cursor.execute(MATCH_ROW, [-4, "alpha"])
            second.commit()
        except BaseException as error:  # noqa: BLE001
            errors.append(error)
            second.rollback()

    threads = [threading.Thread(target=one), threading.Thread(target=two)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert errors == []
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT lexeme, n FROM {TABLE} WHERE fkey = 7 ORDER BY lexeme"  # noqa: S608
            )
            assert cursor.fetchall() == [("alpha", 2), ("beta", 2)]
    finally:
        first.close()
        second.close()
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM guidance_search_match WHERE id < 0")


@pytest.mark.django_db(transaction=True)
def test_a_rewrite_that_changes_no_words_does_not_hold_up_other_writers():
    """Writers of the counts take turns until they commit; a rewrite of a match that changes
    none of its counted columns (a title norm refreshed, a reindex of an unchanged entry)
    counts nothing and takes no turn (migration 0010), so it never waits on, or holds up,
    a writer of new words."""
    writer = _connect()
    lock_held = "SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = %s AND granted"
    try:
        with writer.cursor() as cursor:
            cursor.execute(MATCH_ROW, [-1, "alpha"])
            writer.commit()
            cursor.execute("SELECT pg_backend_pid()")
            (pid,) = cursor.fetchone()

            cursor.execute("UPDATE guidance_search_match SET title_norm = 0.5 WHERE id = -1")
            with connection.cursor() as observer:
                observer.execute(lock_held, [pid])
                assert observer.fetchone() == (0,)
            writer.commit()

            cursor.execute(
                "UPDATE guidance_search_match SET title_vector = to_tsvector('simple', 'gamma') "
                "WHERE id = -1"
            )
            with connection.cursor() as observer:
                observer.execute(lock_held, [pid])
                assert observer.fetchone() == (1,)
            writer.commit()
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT lexeme, n FROM {TABLE} WHERE fkey = 7")  # noqa: S608
            assert cursor.fetchall() == [("gamma", 1)]
    finally:
        writer.close()
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM guidance_search_match WHERE id < 0")
