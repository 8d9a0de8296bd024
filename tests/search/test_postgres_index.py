"""On PostgreSQL, a search finds its matches through an index, not by reading every entry.

The search statement (search.engines.sql) matches modelsearch's `title || body` through the
function `guidance_search_words`, which migration 0003 prices and indexes (the plan for a
common word: tests/search/test_search_plan.py).
Runs on PostgreSQL only (CI's second stage); SQLite's FTS5 table is its own index.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from search.engines.base import Query
from search.engines.database import DatabaseEngine
from search.models import EntryKind, GuidanceEntry

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
    with CaptureQueriesContext(connection) as captured:
        result = engine.search(Query(text="remittances", limit=50))
    assert tagged <= {hit.entry_id for hit in result.hits} and len(tagged) == 10
    (sql,) = [q["sql"] for q in captured.captured_queries if "@@" in q["sql"]]
    # The expression the search statement matches on is the one the migration indexes…
    assert "guidance_search_words(ie.title, ie.body) @@" in sql
    # …and PostgreSQL can answer that match from the index (on 500 rows the planner would
    # rather read the table: forbid that to see which index serves the expression).
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(
            "EXPLAIN SELECT 1 FROM wagtailsearch_indexentry ie "
            "WHERE guidance_search_words(ie.title, ie.body) @@ to_tsquery('remittances')"
        )
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "guidance_search_words_gin" in plan, plan
