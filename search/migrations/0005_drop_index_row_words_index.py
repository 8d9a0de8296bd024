"""Drop migration 0003's GIN index on Wagtail's index rows: since 0004 the search statement
reads each entry's own copy of the words, through the index on the entries, and nothing
reads this one; every index write (of every page, not only guidance) kept it up to date.
The function stays: the entries' index is on it. PostgreSQL only."""

from django.db import migrations

INDEX = "guidance_search_words_gin"


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON wagtailsearch_indexentry "
            "USING gin (guidance_search_words(title, body))"
        )


class Migration(migrations.Migration):
    dependencies = [("guidance_search", "0004_entry_words_copy")]

    operations = [migrations.RunPython(drop, create, elidable=False)]
