"""Each guidance entry carries a copy of its words from Wagtail's search index.

The search statement (search.engines.sql) counted its facets over every match, and the
facets live on the entries while the words live in modelsearch's index rows: each search
joined the two tables over every match (for a common word, a third of its time). Here each
entry gets three columns, invisible to Django (it neither reads nor writes them): the
title and body vectors and the title's norm, copied from its index row by a trigger on
the index table, whoever writes it (modelsearch's upsert, its title-norm refresh, its
deletes, a TRUNCATE). The search matches on the entries alone, through a GIN index on
`guidance_search_words(search_title, search_body)` (migration 0003's priced function): the
same vectors, so the same matches and ranks. PostgreSQL only.
"""

from django.db import migrations

ENTRIES = "guidance_search_guidanceentry"
INDEX_TABLE = "wagtailsearch_indexentry"
COPY = "guidance_search_copy_words"
CLEAR = "guidance_search_clear_words"
GIN = "guidance_search_entry_words_gin"
ENTRY_TYPE = (
    "(SELECT id FROM django_content_type "
    "WHERE app_label = 'guidance_search' AND model = 'guidanceentry')"
)

CREATE = [
    f"ALTER TABLE {ENTRIES} ADD COLUMN IF NOT EXISTS search_title tsvector, "
    "ADD COLUMN IF NOT EXISTS search_body tsvector, "
    "ADD COLUMN IF NOT EXISTS search_title_norm double precision",
    f"""
    CREATE OR REPLACE FUNCTION {COPY}() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        entry_type integer := {ENTRY_TYPE};
    BEGIN
        IF TG_OP <> 'INSERT' AND OLD.content_type_id = entry_type THEN
            UPDATE {ENTRIES} SET search_title = NULL, search_body = NULL,
                search_title_norm = NULL
            WHERE id = CAST(OLD.object_id AS bigint);
        END IF;
        IF TG_OP <> 'DELETE' AND NEW.content_type_id = entry_type THEN
            UPDATE {ENTRIES} SET search_title = NEW.title, search_body = NEW.body,
                search_title_norm = NEW.title_norm
            WHERE id = CAST(NEW.object_id AS bigint);
        END IF;
        RETURN NULL;
    END $$
    """,
    f"""
    CREATE OR REPLACE FUNCTION {CLEAR}() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE {ENTRIES} SET search_title = NULL, search_body = NULL, search_title_norm = NULL
        WHERE search_title IS NOT NULL OR search_body IS NOT NULL;
        RETURN NULL;
    END $$
    """,
    f"DROP TRIGGER IF EXISTS {COPY} ON {INDEX_TABLE}",
    f"CREATE TRIGGER {COPY} AFTER INSERT OR DELETE OR UPDATE OF "
    f"title, body, title_norm, object_id, content_type_id ON {INDEX_TABLE} "
    f"FOR EACH ROW EXECUTE FUNCTION {COPY}()",
    f"DROP TRIGGER IF EXISTS {CLEAR} ON {INDEX_TABLE}",
    f"CREATE TRIGGER {CLEAR} AFTER TRUNCATE ON {INDEX_TABLE} "
    f"FOR EACH STATEMENT EXECUTE FUNCTION {CLEAR}()",
    # The entries indexed before this migration.
    f"UPDATE {ENTRIES} g SET search_title = ie.title, search_body = ie.body, "
    f"search_title_norm = ie.title_norm FROM {INDEX_TABLE} ie "
    f"WHERE ie.content_type_id = {ENTRY_TYPE} AND ie.object_id = CAST(g.id AS varchar(50))",
    f"CREATE INDEX IF NOT EXISTS {GIN} ON {ENTRIES} "
    "USING gin (guidance_search_words(search_title, search_body))",
]

DROP = [
    f"DROP INDEX IF EXISTS {GIN}",
    f"DROP TRIGGER IF EXISTS {CLEAR} ON {INDEX_TABLE}",
    f"DROP TRIGGER IF EXISTS {COPY} ON {INDEX_TABLE}",
    f"DROP FUNCTION IF EXISTS {CLEAR}()",
    f"DROP FUNCTION IF EXISTS {COPY}()",
    f"ALTER TABLE {ENTRIES} DROP COLUMN IF EXISTS search_title, "
    "DROP COLUMN IF EXISTS search_body, DROP COLUMN IF EXISTS search_title_norm",
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
    dependencies = [
        ("guidance_search", "0003_words_function_index"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
