"""The values of each set of facet values, one row per (set, facet, value), kept by a trigger
on the entries (PostgreSQL only).

The search statement (search.engines.sql) counts every facet value over the matches. It
read each set's values out of its JSON at every search (for a word in three entries in
four, 150 sets, 1,300 values: about a third of the statement); here they are read once,
when an entry with a set not seen before is written, and a search joins them by the set's
number (migration 0006). The rows are those the statement read from the JSON (the values
of a list, a single string, a single number other than zero; strings and numbers as their
text, blanks none), for every key of the object. A set no entry has any more keeps its
rows: no search meets it again, and its number stays its own.
"""

from django.db import migrations

ENTRIES = "guidance_search_guidanceentry"
TABLE = "guidance_search_facet_set_value"
KEEP = "guidance_search_keep_facet_set"

# The rows of one set, from its JSON `{facets}` and its number `{key}`.
ROWS = """
    SELECT DISTINCT {key}, k.key, e.v #>> '{{}}'
    FROM jsonb_each(CASE WHEN jsonb_typeof({facets}) = 'object' THEN {facets} END) AS k(key, raw)
    CROSS JOIN LATERAL jsonb_array_elements(
        CASE jsonb_typeof(k.raw) WHEN 'array' THEN k.raw
        WHEN 'string' THEN jsonb_build_array(k.raw)
        WHEN 'number' THEN CASE WHEN k.raw <> '0'::jsonb THEN jsonb_build_array(k.raw) END
        END
    ) AS e(v)
    WHERE jsonb_typeof(e.v) IN ('string', 'number') AND (e.v #>> '{{}}') <> ''
"""

CREATE = [
    f"CREATE TABLE IF NOT EXISTS {TABLE} (fkey bigint NOT NULL, facet text NOT NULL, "
    "value text NOT NULL, PRIMARY KEY (fkey, facet, value))",
    f"""
    CREATE OR REPLACE FUNCTION {KEEP}() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF NOT EXISTS (SELECT 1 FROM {TABLE} WHERE fkey = NEW.facets_key) THEN
            INSERT INTO {TABLE} (fkey, facet, value)
            {ROWS.format(key="NEW.facets_key", facets="NEW.facets")}
            ON CONFLICT DO NOTHING;
        END IF;
        RETURN NULL;
    END $$
    """,
    f"DROP TRIGGER IF EXISTS {KEEP} ON {ENTRIES}",
    f"CREATE TRIGGER {KEEP} AFTER INSERT OR UPDATE OF facets ON {ENTRIES} "
    f"FOR EACH ROW EXECUTE FUNCTION {KEEP}()",
    # The sets of the entries written before this migration.
    f"INSERT INTO {TABLE} (fkey, facet, value) "
    f"SELECT DISTINCT s.* FROM {ENTRIES} g CROSS JOIN LATERAL "
    f"({ROWS.format(key='g.facets_key', facets='g.facets')}) AS s ON CONFLICT DO NOTHING",
]

DROP = [
    f"DROP TRIGGER IF EXISTS {KEEP} ON {ENTRIES}",
    f"DROP FUNCTION IF EXISTS {KEEP}()",
    f"DROP TABLE IF EXISTS {TABLE}",
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in CREATE:
            # nosemgrep: migof-sql-built-from-strings -- this module's constant statements
            schema_editor.execute(statement)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in DROP:
            # nosemgrep: migof-sql-built-from-strings -- this module's constant statements
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("guidance_search", "0006_entry_facets_key")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
