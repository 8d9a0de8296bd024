"""Each guidance entry's set of facet values as a number: a 64-bit hash of its `facets`,
kept by PostgreSQL itself (a stored generated column, invisible to Django, which neither
reads nor writes it).

The search statement (search.engines.sql) counts the matches per distinct set of facet
values: grouped by the JSON, every match's JSON was hashed and compared (for a word in
three entries in four, about a third of the statement). Grouped by this number, each set's
JSON is read once, from one of its entries. jsonb's text is canonical (keys sorted, no
spaces), so equal sets have equal numbers; two different sets share one with a chance of
about one in 10^10 at 100,000 distinct sets. PostgreSQL only.
"""

from django.db import migrations

ENTRIES = "guidance_search_guidanceentry"
COLUMN = "facets_key"


def add(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"ALTER TABLE {ENTRIES} ADD COLUMN IF NOT EXISTS {COLUMN} bigint "
            "GENERATED ALWAYS AS (hashtextextended(facets::text, 0)) STORED"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE {ENTRIES} DROP COLUMN IF EXISTS {COLUMN}")


class Migration(migrations.Migration):
    dependencies = [("guidance_search", "0005_drop_index_row_words_index")]

    operations = [migrations.RunPython(add, drop, elidable=False)]
