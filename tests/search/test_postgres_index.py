"""On PostgreSQL, a search finds its matches through an index, not by reading every entry.

The search statement (search.engines.sql) matches modelsearch's `title || body` through the
function `guidance_search_words` (migration 0003), on each entry's copy of its index row's
vectors (migration 0004: a trigger on modelsearch's table keeps it), read from the narrow
table of the columns the statement needs (migration 0008: a trigger on the entries keeps
it), through a GIN index on that table (the plan for a common word:
tests/search/test_search_plan.py). Both copies follow every way their source is written:
the searches below would find stale words, or count stale facets, otherwise.
Runs on PostgreSQL only (CI's second stage); SQLite's FTS5 table is its own index.
"""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from search.engines.base import SORT_RELEVANCE, Query
from search.engines.database import DatabaseEngine
from search.engines.sql import dialect_for, search_statement
from search.models import EntryKind, GuidanceEntry

from .entries import lesson

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only"),
]


def test_the_match_query_uses_the_title_and_body_index():
    entries = [
        GuidanceEntry(
            key=f"test.entry:{n}",
            kind=EntryKind.LESSON,
            title=f"Lesson {n}",
            body="Remittances and diaspora engagement." if n % 50 == 0 else "Border management.",
            url=f"/lesson-{n}/",
            language="en",
        )
        for n in range(500)
    ]
    created = GuidanceEntry.objects.bulk_create(entries)
    tagged = {e.pk for e in created if "Remittances" in e.body}
    engine = DatabaseEngine()
    engine.rebuild(GuidanceEntry.objects.order_by("pk"))
    result = engine.search(Query(text="remittances", limit=50))
    assert tagged <= {hit.entry_id for hit in result.hits} and len(tagged) == 10
    # The statement the search ran (prepared once per session: search.engines.sql).
    dialect = dialect_for(engine.backend)
    sql = search_statement(dialect, "remittances", {}, sort=SORT_RELEVANCE, offset=0, limit=50)
    sql = sql.sql()
    # The expression the search statement matches on is the one the migration indexes…
    assert "guidance_search_words(g.title_vector, g.body_vector) @@" in sql
    # …and PostgreSQL can answer that match from the index (on 500 rows the planner would
    # rather read the table: forbid that to see which index serves the expression).
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(
            "EXPLAIN SELECT 1 FROM guidance_search_match g WHERE "
            "guidance_search_words(g.title_vector, g.body_vector) @@ to_tsquery('remittances')"
        )
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "guidance_search_match_words_gin" in plan, plan


def found(text: str, prefix: str = "copy:", **filters: str) -> set[str]:
    """The keys starting with `prefix` of the entries a search finds."""
    cache.clear()  # the engine keeps answers per index version, read once a minute
    query = Query(text=text, limit=50, filters={k: (v,) for k, v in filters.items()})
    result = DatabaseEngine().search(query)
    keys = dict(GuidanceEntry.objects.values_list("pk", "key"))
    return {keys[hit.entry_id] for hit in result.hits if keys[hit.entry_id].startswith(prefix)}


def copies() -> dict[str, tuple]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT key, search_title IS NOT NULL, search_title_norm "
            "FROM guidance_search_guidanceentry ORDER BY key"
        )
        return {key: (has_words, norm) for key, has_words, norm in cursor.fetchall()}


def test_the_entries_copy_of_the_words_follows_the_index():
    backend = DatabaseEngine().backend
    first, second = GuidanceEntry.objects.bulk_create(
        [
            GuidanceEntry(
                key="copy:a",
                kind=EntryKind.LESSON,
                title="Visa waivers",
                body="Short stays.",
                url="/a/",
                language="en",
            ),
            GuidanceEntry(
                key="copy:b",
                kind=EntryKind.LESSON,
                title="Labour corridors",
                body="Recruitment fees.",
                url="/b/",
                language="en",
            ),
        ]
    )
    assert found("visa") == set()  # saved, not indexed yet: nothing to find
    DatabaseEngine().rebuild(GuidanceEntry.objects.filter(key__startswith="copy:"))
    assert found("visa") == {"copy:a"} and found("recruitment") == {"copy:b"}

    # Retitled and indexed again (modelsearch's upsert): the new words, not the old.
    first.title = "Border posts"
    first.save()
    backend.add(first)
    assert found("visa") == set() and found("border") == {"copy:a"}

    # The title norms modelsearch refreshes in place are copied too.
    norms = {key: norm for key, (_, norm) in copies().items()}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT object_id, title_norm FROM wagtailsearch_indexentry "
            "WHERE object_id IN (%s, %s)",
            [str(first.pk), str(second.pk)],
        )
        index_norms = dict(cursor.fetchall())
    assert norms["copy:a"] == index_norms[str(first.pk)]
    assert norms["copy:b"] == index_norms[str(second.pk)]

    # Taken out of the index: no longer found.
    backend.delete(second)
    assert found("recruitment") == set()
    assert copies()["copy:b"] == (False, None)

    # The whole index emptied at once (TRUNCATE): nothing left to find.
    with connection.cursor() as cursor:
        # (Django's foreign keys are checked at commit: the test's transaction checks them
        # now, or PostgreSQL refuses to truncate a table with checks pending.)
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("TRUNCATE wagtailsearch_indexentry")
    assert found("border") == set()
    assert copies()["copy:a"] == (False, None)


def test_no_words_index_is_left_on_the_index_rows():
    """Only the entries' words index serves the search (migration 0005): an index on
    Wagtail's rows would only slow every page's indexing."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = %s", ["wagtailsearch_indexentry"]
        )
        names = {row[0] for row in cursor.fetchall()}
    assert "guidance_search_words_gin" not in names
    assert "guidance_search_title_body_gin" in names  # modelsearch's own expression (0002)


def test_each_entry_carries_the_number_of_its_set_of_facet_values():
    """Migration 0006: PostgreSQL keeps the number from the JSON, whoever writes it (a save,
    a bulk write, an update): equal sets, written in any order, share it; a change of
    values changes it. A search's facet counts group the matches by it."""

    def key(entry_key: str) -> int:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT facets_key FROM guidance_search_guidanceentry WHERE key = %s",
                [entry_key],
            )
            return cursor.fetchone()[0]

    def entry(n: int, facets) -> GuidanceEntry:
        return lesson(f"test.facets:{n}", f"Lesson {n}", facets=facets)

    entry(1, {"element": ["P1"], "country": ["KE"]}).save()
    GuidanceEntry.objects.bulk_create(
        [entry(2, {"country": ["KE"], "element": ["P1"]}), entry(3, {"element": ["P2"]})]
    )
    assert key("test.facets:1") == key("test.facets:2") != key("test.facets:3")
    GuidanceEntry.objects.filter(key="test.facets:2").update(facets={"element": ["P2"]})
    assert key("test.facets:2") == key("test.facets:3") != key("test.facets:1")


def test_each_set_of_facet_values_has_its_values_as_rows():
    """Migration 0007: a trigger writes each new set's values once (lists, a single string,
    a single number other than zero; as text; no blanks, nulls or objects), whoever writes
    the entry; the search counts facet values from these rows."""

    def rows(entry_key: str) -> set[tuple[str, str]]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT v.facet, v.value FROM guidance_search_facet_set_value v "
                "JOIN guidance_search_guidanceentry g ON g.facets_key = v.fkey WHERE g.key = %s",
                [entry_key],
            )
            return set(cursor.fetchall())

    def entry(n: int, facets) -> GuidanceEntry:
        return lesson(f"test.sets:{n}", f"Lesson {n}", facets=facets)

    odd = {
        "element": ["P1", "P1", "", None, {"x": 1}, 3],
        "country": "KE",
        "domain": 0,
        "indicator": 7,
        "region": None,
    }
    entry(1, odd).save()
    assert rows("test.sets:1") == {
        ("element", "P1"),
        ("element", "3"),
        ("country", "KE"),
        ("indicator", "7"),
    }
    GuidanceEntry.objects.bulk_create([entry(2, {"element": ["P2"]}), entry(3, [])])
    assert rows("test.sets:2") == {("element", "P2")}
    assert rows("test.sets:3") == set()  # not an object: no values, and no error
    GuidanceEntry.objects.filter(key="test.sets:2").update(facets={"element": ["P4", "P5"]})
    assert rows("test.sets:2") == {("element", "P4"), ("element", "P5")}


def match_rows() -> tuple[list[tuple], list[tuple]]:
    """The narrow table's rows (migration 0008), and the entries' columns they copy."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, kind, language, fkey, published_at, title_vector::text, "
            "body_vector::text, title_norm FROM guidance_search_match ORDER BY id"
        )
        copied = cursor.fetchall()
        cursor.execute(
            "SELECT id, kind, language, facets_key, published_at, search_title::text, "
            "search_body::text, search_title_norm FROM guidance_search_guidanceentry ORDER BY id"
        )
        return copied, cursor.fetchall()


def test_the_matches_table_follows_every_write_of_the_entries():
    first, second = GuidanceEntry.objects.bulk_create(
        [
            lesson("match:a", "Visa waivers", "Short stays.", {"element": ["P1"]}),
            lesson("match:b", "Labour corridors", "Recruitment fees.", {"element": ["P2"]}),
        ]
    )
    copied, entries = match_rows()
    assert copied == entries and {row[0] for row in copied} >= {first.pk, second.pk}

    # Indexed: migration 0004's trigger writes the words into the entries, and from there
    # they reach the matches' table.
    DatabaseEngine().rebuild(GuidanceEntry.objects.filter(key__startswith="match:"))
    copied, entries = match_rows()
    assert copied == entries
    assert all(row[5] and row[6] for row in copied if row[0] in (first.pk, second.pk))
    assert found("visa", "match:") == {"match:a"}

    # What a search counts and filters on, changed by a save and by an update().
    first.kind = EntryKind.CASE_STUDY
    first.language = "fr"
    first.facets = {"country": ["KE"]}
    first.published_at = timezone.now()
    first.save()
    GuidanceEntry.objects.filter(pk=second.pk).update(language="es", facets={"region": ["x"]})
    copied, entries = match_rows()
    assert copied == entries
    assert found("visa", "match:", kind="case_study") == {"match:a"}

    second.delete()
    copied, entries = match_rows()
    assert copied == entries and second.pk not in {row[0] for row in copied}
    assert found("recruitment", "match:") == set()

    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("TRUNCATE guidance_search_guidanceentry")
    assert match_rows() == ([], [])
