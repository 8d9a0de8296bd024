"""How many matches each word has per type, language and set of facet values, kept as rows;
and a GIN index of the titles' words (PostgreSQL only).

A search counts its matches per type, language and set of facet values (search.engines.sql):
for a word in three entries in four, it read 7,600 matches to make some 250 groups, most
of the statement's time. Those groups depend on the word alone, so for a one-word search
(most searches) they are kept here, one row per (word, set, type, language) with its count,
kept by triggers on the matches' table (migration 0008), whoever writes it: the counts of
the rows inserted, deleted or updated by a statement, summed per row of this table, added
or taken away in one upsert, and a row whose count reaches nothing is deleted. Writers take
turns (a transaction-long advisory lock): most words are in most entries, and two
transactions each holding rows the other one needs would otherwise wait on each other
until PostgreSQL cancels one. Entries are written by the index's tasks, briefly. The words are the
lexemes of the matched vector (`guidance_search_words`, migration 0003), as the GIN index of
migration 0008 looks them up.

The page of a one-word search sorted by relevance is among the matches with the word in
their title (the title's rank is most of a match's; the statement checks that the page
cannot reach the others, or ranks them all as before): the index below finds those without
reading every match.
"""

# ruff: noqa: S608 -- constant statements of this module: table and column names, no values.
from django.db import migrations

MATCHES = "guidance_search_match"
TABLE = "guidance_search_word_group"
KEEP = "guidance_search_keep_word_groups"
TITLE_GIN = "guidance_search_match_title_gin"

# The count of each (word, set, type, language) in a transition table `{rows}`, signed.
COUNTS = """
    SELECT l.lexeme, COALESCE(r.fkey, 0) AS fkey, r.kind, r.language, {sign} COUNT(*) AS n
    FROM {rows} r
    CROSS JOIN LATERAL unnest(tsvector_to_array(guidance_search_words(r.title_vector, r.body_vector))) AS l(lexeme)
    GROUP BY 1, 2, 3, 4
"""  # noqa: E501

# Adds the signed counts `{delta}` to the table's rows (a new row where there is none).
UPSERT = (
    f"INSERT INTO {TABLE} AS w (lexeme, fkey, kind, language, n) "
    "SELECT lexeme, fkey, kind, language, SUM(n) FROM ({delta}) d "
    "GROUP BY 1, 2, 3, 4 HAVING SUM(n) <> 0 ORDER BY 1, 2, 3, 4 "
    "ON CONFLICT (lexeme, fkey, kind, language) DO UPDATE SET n = w.n + EXCLUDED.n"
)

INSERTED = COUNTS.format(rows="new_rows", sign="")
DELETED = COUNTS.format(rows="old_rows", sign="-")
FUNCTION = f"""
CREATE OR REPLACE FUNCTION {KEEP}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- One writer at a time, until its commit: two transactions each adding to rows the
    -- other holds would wait on each other (most words are in most entries).
    PERFORM pg_advisory_xact_lock(CAST(CAST('{TABLE}' AS regclass) AS oid)::bigint);
    IF TG_OP = 'INSERT' THEN
        {UPSERT.format(delta=INSERTED)};
    ELSIF TG_OP = 'DELETE' THEN
        {UPSERT.format(delta=DELETED)};
    ELSE
        {UPSERT.format(delta=f"{INSERTED} UNION ALL {DELETED}")};
    END IF;
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        DELETE FROM {TABLE} w USING ({DELETED}) d
        WHERE w.lexeme = d.lexeme AND w.fkey = d.fkey AND w.kind = d.kind
            AND w.language = d.language AND w.n <= 0;
    END IF;
    RETURN NULL;
END $$
"""

CREATE = [
    f"CREATE TABLE IF NOT EXISTS {TABLE} (lexeme text NOT NULL, fkey bigint NOT NULL, "
    "kind varchar(20) NOT NULL, language varchar(10) NOT NULL, n integer NOT NULL, "
    "PRIMARY KEY (lexeme, fkey, kind, language))",
    FUNCTION,
    f"DROP TRIGGER IF EXISTS {KEEP}_insert ON {MATCHES}",
    f"CREATE TRIGGER {KEEP}_insert AFTER INSERT ON {MATCHES} REFERENCING NEW TABLE AS new_rows "
    f"FOR EACH STATEMENT EXECUTE FUNCTION {KEEP}()",
    f"DROP TRIGGER IF EXISTS {KEEP}_update ON {MATCHES}",
    f"CREATE TRIGGER {KEEP}_update AFTER UPDATE ON {MATCHES} "
    "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows "
    f"FOR EACH STATEMENT EXECUTE FUNCTION {KEEP}()",
    f"DROP TRIGGER IF EXISTS {KEEP}_delete ON {MATCHES}",
    f"CREATE TRIGGER {KEEP}_delete AFTER DELETE ON {MATCHES} REFERENCING OLD TABLE AS old_rows "
    f"FOR EACH STATEMENT EXECUTE FUNCTION {KEEP}()",
    # The matches written before this migration.
    f"DELETE FROM {TABLE}",
    f"INSERT INTO {TABLE} (lexeme, fkey, kind, language, n) "
    + COUNTS.format(rows=MATCHES, sign=""),
    f"CREATE INDEX IF NOT EXISTS {TITLE_GIN} ON {MATCHES} USING gin (title_vector)",
]

DROP = [
    f"DROP INDEX IF EXISTS {TITLE_GIN}",
    f"DROP TRIGGER IF EXISTS {KEEP}_insert ON {MATCHES}",
    f"DROP TRIGGER IF EXISTS {KEEP}_update ON {MATCHES}",
    f"DROP TRIGGER IF EXISTS {KEEP}_delete ON {MATCHES}",
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
    dependencies = [("guidance_search", "0008_match_rows")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
