"""The columns the search statement matches and counts on, in a narrow table of their own
(PostgreSQL only).

The statement (search.engines.sql) reads every match of a search: for a word in three
entries in four, 7,600 rows. It read them from the entries, whose rows also hold what a
result shows (text, trail, tags: 27 MB for the benchmark's 10,000), so a common word
visited most of the table's pages. Here each entry has a row in `guidance_search_match`
with only what the statement reads (kind, language, the number of its facet set, its date,
its title and body vectors and title norm: 2 MB for the same entries, the body vectors
stored apart until a page's ranking reads them), kept by a trigger on the entries,
whoever writes them (Django, migration 0004's trigger copying the words, a delete, a
TRUNCATE). The words index moves with it: the one on the entries (0004) is dropped, as
nothing reads it any more and every write kept it up to date.
"""

from django.db import migrations

ENTRIES = "guidance_search_guidanceentry"
TABLE = "guidance_search_match"
KEEP = "guidance_search_keep_match"
CLEAR = "guidance_search_clear_match"
GIN = "guidance_search_match_words_gin"
OLD_GIN = "guidance_search_entry_words_gin"
COLUMNS = "id, kind, language, fkey, published_at, title_vector, body_vector, title_norm"
FROM_ENTRY = (
    "{row}.id, {row}.kind, {row}.language, {row}.facets_key, {row}.published_at, "
    "{row}.search_title, {row}.search_body, {row}.search_title_norm"
)

CREATE = [
    f"CREATE TABLE IF NOT EXISTS {TABLE} (id bigint PRIMARY KEY, kind varchar(20) NOT NULL, "
    "language varchar(10) NOT NULL, fkey bigint, published_at timestamp with time zone, "
    "title_vector tsvector, body_vector tsvector, title_norm double precision)",
    f"""
    CREATE OR REPLACE FUNCTION {KEEP}() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'DELETE' THEN
            DELETE FROM {TABLE} WHERE id = OLD.id;
            RETURN NULL;
        END IF;
        IF TG_OP = 'UPDATE' AND OLD.id <> NEW.id THEN
            DELETE FROM {TABLE} WHERE id = OLD.id;
        END IF;
        INSERT INTO {TABLE} ({COLUMNS}) VALUES ({FROM_ENTRY.format(row="NEW")})
        ON CONFLICT (id) DO UPDATE SET kind = EXCLUDED.kind, language = EXCLUDED.language,
            fkey = EXCLUDED.fkey, published_at = EXCLUDED.published_at,
            title_vector = EXCLUDED.title_vector, body_vector = EXCLUDED.body_vector,
            title_norm = EXCLUDED.title_norm;
        RETURN NULL;
    END $$
    """,
    f"""
    CREATE OR REPLACE FUNCTION {CLEAR}() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        DELETE FROM {TABLE};
        RETURN NULL;
    END $$
    """,
    f"DROP TRIGGER IF EXISTS {KEEP} ON {ENTRIES}",
    f"CREATE TRIGGER {KEEP} AFTER INSERT OR DELETE OR UPDATE OF id, kind, language, facets, "
    f"published_at, search_title, search_body, search_title_norm ON {ENTRIES} "
    f"FOR EACH ROW EXECUTE FUNCTION {KEEP}()",
    f"DROP TRIGGER IF EXISTS {CLEAR} ON {ENTRIES}",
    f"CREATE TRIGGER {CLEAR} AFTER TRUNCATE ON {ENTRIES} "
    f"FOR EACH STATEMENT EXECUTE FUNCTION {CLEAR}()",
    # The entries written before this migration.
    f"INSERT INTO {TABLE} ({COLUMNS}) SELECT {FROM_ENTRY.format(row='g')} FROM {ENTRIES} g "
    "ON CONFLICT (id) DO NOTHING",
    f"CREATE INDEX IF NOT EXISTS {GIN} ON {TABLE} "
    "USING gin (guidance_search_words(title_vector, body_vector))",
    f"DROP INDEX IF EXISTS {OLD_GIN}",
]

DROP = [
    f"CREATE INDEX IF NOT EXISTS {OLD_GIN} ON {ENTRIES} "
    "USING gin (guidance_search_words(search_title, search_body))",
    f"DROP TRIGGER IF EXISTS {CLEAR} ON {ENTRIES}",
    f"DROP TRIGGER IF EXISTS {KEEP} ON {ENTRIES}",
    f"DROP FUNCTION IF EXISTS {CLEAR}()",
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
    dependencies = [("guidance_search", "0007_facet_set_values")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
