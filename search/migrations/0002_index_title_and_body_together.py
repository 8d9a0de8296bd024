"""A GIN index on title || body of Wagtail's PostgreSQL search index.

modelsearch's PostgreSQL backend matches `(title || body) @@ query`; its own GIN indexes are
on title and on body separately, so PostgreSQL could use neither and concatenated the two
vectors of every entry on every search (171 ms over 10,000 guidance entries, 48 ms with this
index: bench/README.md). PostgreSQL only; other databases have nothing to do.
"""

from django.db import migrations

INDEX = "guidance_search_title_body_gin"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON wagtailsearch_indexentry "
            "USING gin ((title || body))"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("guidance_search", "0001_guidance_entry"),
        ("wagtailsearch", "0010_add_text_fields"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
