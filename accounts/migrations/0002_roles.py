"""Create the four roles as groups with their permissions (see accounts/roles.py)."""

from django.db import migrations


def create_roles(apps, schema_editor):
    from accounts.roles import apply_roles

    apply_roles(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("framework_content", "0001_initial"),
        ("wagtailcore", "0098_apitoken"),
        ("wagtailadmin", "0006_formstate"),
        ("wagtailimages", "0027_image_description"),
        ("wagtaildocs", "0014_alter_document_file_size"),
        ("wagtailsearchpromotions", "0008_query_verbose_name"),
        ("wagtail_localize", "0016_rename_page_revision_translationlog_revision"),
    ]

    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
