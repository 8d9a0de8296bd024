"""The words of an index row as one function, priced as what it costs, with a GIN index.

modelsearch matches `(title || body) @@ query`, and migration 0002 indexes that expression.
PostgreSQL prices joining two vectors as a single operator, next to nothing: with
statistics, for a word most entries contain, it prefers to read every guidance row through
the content-type index and test the words row by row (a word in 7 of 10 entries: 100 ms
over the benchmark's 10,000 entries, against 30 ms through the GIN index). The search
statement (search.engines.sql) matches `guidance_search_words(title, body) @@ query`: the
same vector, from a function whose declared cost makes reading row by row the dear plan
it is, and this index. PL/pgSQL, so the planner does not inline it back into `||` and its
cost; PARALLEL RESTRICTED, so a broad word is not handed to parallel workers (two cores
serving requests have none to spare). PostgreSQL only; other databases have nothing to do.
"""

from django.db import migrations

FUNCTION = "guidance_search_words"
INDEX = "guidance_search_words_gin"


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"CREATE OR REPLACE FUNCTION {FUNCTION}(title tsvector, body tsvector) "
        "RETURNS tsvector LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL RESTRICTED COST 1000 "
        "AS $$ BEGIN RETURN title || body; END $$"
    )
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON wagtailsearch_indexentry "
        f"USING gin ({FUNCTION}(title, body))"
    )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")
    schema_editor.execute(f"DROP FUNCTION IF EXISTS {FUNCTION}(tsvector, tsvector)")


class Migration(migrations.Migration):
    dependencies = [("guidance_search", "0002_index_title_and_body_together")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
