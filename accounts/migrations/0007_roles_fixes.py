"""Re-apply the roles once every installed app's permissions exist: Administrators hold every
permission, but the earlier migrations ran before Wagtail's redirects and form submissions
had theirs, so an administrator could not manage redirects. Administrators also manage
collections now, and Editors hold the permissions Wagtail checks for promoted search results
(they held the Query model's, which no view checks) (accounts/roles.py)."""

from django.db import migrations


def apply_roles(apps, schema_editor):
    from accounts.roles import apply_roles

    apply_roles(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0006_roles_cohorts"),
        ("wagtailredirects", "0008_add_verbose_name_plural"),
        ("wagtailforms", "0005_alter_formsubmission_form_data"),
    ]

    operations = [migrations.RunPython(apply_roles, migrations.RunPython.noop)]
