"""The search's kept copies follow their sources once per statement, and only what changed
(PostgreSQL only).

Three triggers carry a change of modelsearch's index rows down to the kept word counts:
index row → its entry's copy of the vectors (migration 0004), entry → its matches' row
(0008), matches' rows → the counts per word (0009). The first two ran once per row, so a
statement writing 500 index rows wrote the counts 500 times (each time the rows of the
entry's words: on the benchmark's data about 170 of 150,000, the common words' rows
written by nearly every entry); inside one transaction each of those writes leaves a
version of the row that the next one must step over, so a rebuild or a bulk delete of N
entries in one transaction cost N² (500 entries: 19 s, 1,500: 245 s; the benchmark's
10,000 did not finish in half an hour). And each wrote whatever came:
modelsearch writes every row with a title norm of 1 and then sets the norms, a reindex
of an unchanged entry rewrote it (its entry's copy cleared, then set again), and every such
write counted the entry's words twice, to take them away and add them back (no change in
the end), under the counts' lock.

Now the first two run once per statement (transition tables: one trigger per event, as
PostgreSQL requires), writing in one statement what the source's statement changed:

- an index row's copy goes to its entry when the vectors or norm differ (an entry whose
  index row is deleted, or moved to another object, has its copy cleared, as before);
- an entry's matches' row is written when one of its columns differs (deleted with the
  entry, moved with its id);
- the counts are written only for matches' rows whose words, set of facet values, type
  or language changed, and take the counts' lock only when there are such rows.

TRUNCATE is handled as before (0004's and 0008's own triggers).
"""

# ruff: noqa: S608 -- constant statements of this module: table and column names, no values.
import importlib

from django.db import migrations

INDEX_TABLE = "wagtailsearch_indexentry"
ENTRIES = "guidance_search_guidanceentry"
MATCHES = "guidance_search_match"
WORD_GROUPS = "guidance_search_word_group"
COPY = "guidance_search_copy_words"  # 0004's row trigger and its function
KEEP_MATCH = "guidance_search_keep_match"  # 0008's
KEEP_GROUPS = "guidance_search_keep_word_groups"  # 0009's
ENTRY_TYPE = (
    "(SELECT id FROM django_content_type "
    "WHERE app_label = 'guidance_search' AND model = 'guidanceentry')"
)

# --- index rows → entries ------------------------------------------------------------------

# The index rows of `{rows}` that belong to an entry, with the entry's id.
ENTRY_ROWS = (
    "(SELECT CAST(r.object_id AS bigint) AS id, r.title, r.body, r.title_norm FROM {rows} r "
    f"WHERE r.content_type_id = {ENTRY_TYPE})"
)
SET_COPIES = (
    f"UPDATE {ENTRIES} g SET search_title = r.title, search_body = r.body, "
    "search_title_norm = r.title_norm FROM {source} r WHERE g.id = r.id "
    "AND (g.search_title, g.search_body, g.search_title_norm) "
    "IS DISTINCT FROM (r.title, r.body, r.title_norm)"
)
# The entries of the old rows that no new row belongs to any more.
CLEAR_COPIES = (
    f"UPDATE {ENTRIES} g SET search_title = NULL, search_body = NULL, search_title_norm = NULL "
    "FROM {old} o WHERE g.id = o.id {unless} "
    "AND (g.search_title IS NOT NULL OR g.search_body IS NOT NULL "
    "OR g.search_title_norm IS NOT NULL)"
)
OLD_ENTRY_ROWS, NEW_ENTRY_ROWS = (ENTRY_ROWS.format(rows=rows) for rows in ("old_rows", "new_rows"))
CLEARED_ON_DELETE = CLEAR_COPIES.format(old=OLD_ENTRY_ROWS, unless="")
CLEARED_ON_UPDATE = CLEAR_COPIES.format(
    old=OLD_ENTRY_ROWS,
    unless=f"AND NOT EXISTS (SELECT 1 FROM {NEW_ENTRY_ROWS} n WHERE n.id = o.id)",
)
SET_FROM_NEW = SET_COPIES.format(source=NEW_ENTRY_ROWS)
COPY_FUNCTION = f"""
CREATE OR REPLACE FUNCTION {COPY}_rows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        {CLEARED_ON_DELETE};
    ELSIF TG_OP = 'UPDATE' THEN
        {CLEARED_ON_UPDATE};
        {SET_FROM_NEW};
    ELSE
        {SET_FROM_NEW};
    END IF;
    RETURN NULL;
END $$
"""

# --- entries → matches' rows ---------------------------------------------------------------

MATCH_COLUMNS = (
    "kind",
    "language",
    "fkey",
    "published_at",
    "title_vector",
    "body_vector",
    "title_norm",
)
WRITE_MATCHES = (
    f"INSERT INTO {MATCHES} AS m (id, {', '.join(MATCH_COLUMNS)}) "
    "SELECT e.id, e.kind, e.language, e.facets_key, e.published_at, e.search_title, "
    "e.search_body, e.search_title_norm FROM new_rows e "
    "ON CONFLICT (id) DO UPDATE SET "
    + ", ".join(f"{column} = EXCLUDED.{column}" for column in MATCH_COLUMNS)
    + f" WHERE ({', '.join(f'm.{column}' for column in MATCH_COLUMNS)}) IS DISTINCT FROM "
    f"({', '.join(f'EXCLUDED.{column}' for column in MATCH_COLUMNS)})"
)
MATCH_FUNCTION = f"""
CREATE OR REPLACE FUNCTION {KEEP_MATCH}_rows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        DELETE FROM {MATCHES} m USING old_rows o WHERE m.id = o.id;
        RETURN NULL;
    END IF;
    IF TG_OP = 'UPDATE' THEN
        -- Rows whose entry's id changed.
        DELETE FROM {MATCHES} m USING old_rows o WHERE m.id = o.id
            AND NOT EXISTS (SELECT 1 FROM new_rows n WHERE n.id = o.id);
    END IF;
    {WRITE_MATCHES};
    RETURN NULL;
END $$
"""

# --- matches' rows → counts per word -------------------------------------------------------

# An updated matches' row whose counted columns are the same before and after counts nothing
# either way: what is left of each transition table once such rows are taken out (ids are
# unique in both).
SAME = (
    "o.id = n.id AND o.kind = n.kind AND o.language = n.language "
    "AND COALESCE(o.fkey, 0) = COALESCE(n.fkey, 0) "
    "AND o.title_vector IS NOT DISTINCT FROM n.title_vector "
    "AND o.body_vector IS NOT DISTINCT FROM n.body_vector"
)
CHANGED_OLD = (
    f"(SELECT o.* FROM old_rows o WHERE NOT EXISTS (SELECT 1 FROM new_rows n WHERE {SAME}))"
)
CHANGED_NEW = (
    f"(SELECT n.* FROM new_rows n WHERE NOT EXISTS (SELECT 1 FROM old_rows o WHERE {SAME}))"
)

# The signed counts of a transition table's rows per (word, set, type, language), and their
# upsert into the kept rows: 0009's.
_WORD_GROUPS = importlib.import_module("search.migrations.0009_word_groups")
COUNTS, UPSERT = _WORD_GROUPS.COUNTS, _WORD_GROUPS.UPSERT
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


def _statement_triggers(name: str, table: str, function: str) -> list[str]:
    """One trigger per event, each with its transition tables (PostgreSQL allows neither
    several events nor a column list on a trigger that has them)."""
    referencing = {
        "insert": "REFERENCING NEW TABLE AS new_rows",
        "update": "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows",
        "delete": "REFERENCING OLD TABLE AS old_rows",
    }
    statements = []
    for event, tables in referencing.items():
        statements += [
            f"DROP TRIGGER IF EXISTS {name}_{event} ON {table}",
            f"CREATE TRIGGER {name}_{event} AFTER {event.upper()} ON {table} {tables} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {function}()",
        ]
    return statements


FORWARD = [
    COPY_FUNCTION,
    f"DROP TRIGGER IF EXISTS {COPY} ON {INDEX_TABLE}",
    f"DROP FUNCTION IF EXISTS {COPY}()",
    *_statement_triggers(COPY, INDEX_TABLE, f"{COPY}_rows"),
    MATCH_FUNCTION,
    f"DROP TRIGGER IF EXISTS {KEEP_MATCH} ON {ENTRIES}",
    f"DROP FUNCTION IF EXISTS {KEEP_MATCH}()",
    *_statement_triggers(KEEP_MATCH, ENTRIES, f"{KEEP_MATCH}_rows"),
    GROUPS_FUNCTION,
]


def _earlier(module: str, *starts: str) -> list[str]:
    """Statements of an earlier migration that start with one of `starts` (after blanks)."""
    earlier = importlib.import_module(f"search.migrations.{module}")
    return [
        statement
        for statement in earlier.CREATE
        if any(statement.lstrip().startswith(start) for start in starts)
    ]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in FORWARD:
            # nosemgrep: migof-sql-built-from-strings -- this module's constant statements
            schema_editor.execute(statement)


def backward(apps, schema_editor):
    """The row triggers of 0004 and 0008 and the functions of 0004, 0008 and 0009 again."""
    if schema_editor.connection.vendor != "postgresql":
        return
    statements = []
    for name, table in ((COPY, INDEX_TABLE), (KEEP_MATCH, ENTRIES)):
        for event in ("insert", "update", "delete"):
            statements.append(f"DROP TRIGGER IF EXISTS {name}_{event} ON {table}")
        statements.append(f"DROP FUNCTION IF EXISTS {name}_rows()")
    statements += _earlier(
        "0004_entry_words_copy",
        f"CREATE OR REPLACE FUNCTION {COPY}()",
        f"DROP TRIGGER IF EXISTS {COPY} ",
        f"CREATE TRIGGER {COPY} ",
    )
    statements += _earlier(
        "0008_match_rows",
        f"CREATE OR REPLACE FUNCTION {KEEP_MATCH}()",
        f"DROP TRIGGER IF EXISTS {KEEP_MATCH} ",
        f"CREATE TRIGGER {KEEP_MATCH} ",
    )
    statements += _earlier("0009_word_groups", f"CREATE OR REPLACE FUNCTION {KEEP_GROUPS}()")
    for statement in statements:
        # nosemgrep: migof-sql-built-from-strings -- the earlier migrations' constants
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("guidance_search", "0009_word_groups")]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
