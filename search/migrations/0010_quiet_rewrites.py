"""A rewrite of an entry's index row that changes none of its words writes nothing further
(PostgreSQL only).

Three triggers carry a change of modelsearch's index rows down to the kept word counts
(migrations 0004, 0008, 0009), and each wrote whatever came: modelsearch refreshing every
row's title norm after a rebuild, or a reindex of an unchanged entry, cleared the entry's
copied vectors and copied them back (two writes of the entry, two of its matches' row), and
each write of a matches' row took every one of its words' counts away and added them back
under the counts' lock. On the benchmark's 10,000 entries the title-norm refresh alone ran
for minutes. Now:

- the copy of an index row to its entry (0004) writes the entry once when the row is
  rewritten for the same entry, and not at all when its vectors and norm are unchanged;
- the entry's matches' row (0008) is not rewritten when what it holds is unchanged;
- the word counts (0009) count only the updated rows whose words, set of facet values,
  type or language changed, and take the counts' lock only when there are such rows.

Inserts, deletes, a row moved to another entry, and TRUNCATE are handled as before.
"""

# ruff: noqa: S608 -- constant statements of this module: table and column names, no values.
import importlib

from django.db import migrations

ENTRIES = "guidance_search_guidanceentry"
MATCHES = "guidance_search_match"
WORD_GROUPS = "guidance_search_word_group"
COPY = "guidance_search_copy_words"
KEEP_MATCH = "guidance_search_keep_match"
KEEP_GROUPS = "guidance_search_keep_word_groups"
ENTRY_TYPE = (
    "(SELECT id FROM django_content_type "
    "WHERE app_label = 'guidance_search' AND model = 'guidanceentry')"
)

COPY_FUNCTION = f"""
CREATE OR REPLACE FUNCTION {COPY}() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    entry_type integer := {ENTRY_TYPE};
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.content_type_id = entry_type
            AND NEW.content_type_id = entry_type AND OLD.object_id = NEW.object_id THEN
        -- The same entry's row rewritten: one write of the entry, none if nothing changed.
        UPDATE {ENTRIES} SET search_title = NEW.title, search_body = NEW.body,
            search_title_norm = NEW.title_norm
        WHERE id = CAST(NEW.object_id AS bigint)
            AND (search_title, search_body, search_title_norm)
                IS DISTINCT FROM (NEW.title, NEW.body, NEW.title_norm);
        RETURN NULL;
    END IF;
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
"""

MATCH_COLUMNS = ("kind", "language", "fkey", "published_at", "title_vector", "body_vector")
MATCH_FUNCTION = f"""
CREATE OR REPLACE FUNCTION {KEEP_MATCH}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        DELETE FROM {MATCHES} WHERE id = OLD.id;
        RETURN NULL;
    END IF;
    IF TG_OP = 'UPDATE' AND OLD.id <> NEW.id THEN
        DELETE FROM {MATCHES} WHERE id = OLD.id;
    END IF;
    INSERT INTO {MATCHES} AS m (id, {", ".join(MATCH_COLUMNS)}, title_norm)
    VALUES (NEW.id, NEW.kind, NEW.language, NEW.facets_key, NEW.published_at,
        NEW.search_title, NEW.search_body, NEW.search_title_norm)
    ON CONFLICT (id) DO UPDATE SET kind = EXCLUDED.kind, language = EXCLUDED.language,
        fkey = EXCLUDED.fkey, published_at = EXCLUDED.published_at,
        title_vector = EXCLUDED.title_vector, body_vector = EXCLUDED.body_vector,
        title_norm = EXCLUDED.title_norm
    WHERE ({", ".join(f"m.{column}" for column in (*MATCH_COLUMNS, "title_norm"))})
        IS DISTINCT FROM
        ({", ".join(f"EXCLUDED.{column}" for column in (*MATCH_COLUMNS, "title_norm"))});
    RETURN NULL;
END $$
"""

# An updated row of the matches whose counted columns are the same before and after counts
# nothing either way: what is left of `{rows}` once such rows are taken out (ids are unique
# in both transition tables).
SAME = (
    "o.id = n.id AND o.kind = n.kind AND o.language = n.language "
    "AND COALESCE(o.fkey, 0) = COALESCE(n.fkey, 0) "
    "AND o.title_vector IS NOT DISTINCT FROM n.title_vector "
    "AND o.body_vector IS NOT DISTINCT FROM n.body_vector"
)
CHANGED_OLD = f"(SELECT o.* FROM old_rows o WHERE NOT EXISTS (SELECT 1 FROM new_rows n WHERE {SAME}))"
CHANGED_NEW = f"(SELECT n.* FROM new_rows n WHERE NOT EXISTS (SELECT 1 FROM old_rows o WHERE {SAME}))"  # noqa: E501

COUNTS = """
    SELECT l.lexeme, COALESCE(r.fkey, 0) AS fkey, r.kind, r.language, {sign} COUNT(*) AS n
    FROM {rows} r
    CROSS JOIN LATERAL unnest(tsvector_to_array(guidance_search_words(r.title_vector, r.body_vector))) AS l(lexeme)
    GROUP BY 1, 2, 3, 4
"""  # noqa: E501
UPSERT = (
    f"INSERT INTO {WORD_GROUPS} AS w (lexeme, fkey, kind, language, n) "
    "SELECT lexeme, fkey, kind, language, SUM(n) FROM ({delta}) d "
    "GROUP BY 1, 2, 3, 4 HAVING SUM(n) <> 0 ORDER BY 1, 2, 3, 4 "
    "ON CONFLICT (lexeme, fkey, kind, language) DO UPDATE SET n = w.n + EXCLUDED.n"
)
EMPTIED = (
    f"DELETE FROM {WORD_GROUPS} w USING ({{deleted}}) d "
    "WHERE w.lexeme = d.lexeme AND w.fkey = d.fkey AND w.kind = d.kind "
    "AND w.language = d.language AND w.n <= 0"
)


def _counts(rows: str, sign: str = "") -> str:
    return COUNTS.format(rows=rows, sign=sign)


GROUPS_FUNCTION = f"""
CREATE OR REPLACE FUNCTION {KEEP_GROUPS}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        -- (Nested: an INSERT or DELETE trigger has one of the two tables only.)
        IF NOT EXISTS (SELECT 1 FROM {CHANGED_OLD} c)
                AND NOT EXISTS (SELECT 1 FROM {CHANGED_NEW} c) THEN
            RETURN NULL;  -- no counted column changed (a title norm, a date)
        END IF;
    END IF;
    -- One writer at a time, until its commit: two transactions each adding to rows the
    -- other holds would wait on each other (most words are in most entries).
    PERFORM pg_advisory_xact_lock(CAST(CAST('{WORD_GROUPS}' AS regclass) AS oid)::bigint);
    IF TG_OP = 'INSERT' THEN
        {UPSERT.format(delta=_counts("new_rows"))};
    ELSIF TG_OP = 'DELETE' THEN
        {UPSERT.format(delta=_counts("old_rows", "-"))};
        {EMPTIED.format(deleted=_counts("old_rows", "-"))};
    ELSE
        {UPSERT.format(delta=f"{_counts(CHANGED_NEW)} UNION ALL {_counts(CHANGED_OLD, '-')}")};
        {EMPTIED.format(deleted=_counts(CHANGED_OLD, "-"))};
    END IF;
    RETURN NULL;
END $$
"""

QUIET = [COPY_FUNCTION, MATCH_FUNCTION, GROUPS_FUNCTION]


def _functions_of(module: str, *names: str) -> list[str]:
    """The CREATE OR REPLACE FUNCTION statements of an earlier migration, for going back."""
    earlier = importlib.import_module(f"search.migrations.{module}")
    return [
        statement
        for statement in earlier.CREATE
        if "CREATE OR REPLACE FUNCTION" in statement and any(f" {n}()" in statement for n in names)
    ]


def quiet(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in QUIET:
            # nosemgrep: migof-sql-built-from-strings -- this module's constant statements
            schema_editor.execute(statement)


def loud(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in (
            _functions_of("0004_entry_words_copy", COPY)
            + _functions_of("0008_match_rows", KEEP_MATCH)
            + _functions_of("0009_word_groups", KEEP_GROUPS)
        ):
            # nosemgrep: migof-sql-built-from-strings -- the earlier migrations' constants
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("guidance_search", "0009_word_groups")]

    operations = [migrations.RunPython(quiet, loud, elidable=False)]
