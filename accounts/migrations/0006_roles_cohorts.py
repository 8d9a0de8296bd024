"""Re-apply the roles once cohorts exist: Trainers run their own cohorts
(`cohorts.add_cohort`, accounts/roles.py); Administrators everything, so every cohort."""

from django.db import migrations


def apply_roles(apps, schema_editor):
    from accounts.roles import apply_roles

    apply_roles(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_roles_quiz_statistics"),
        ("cohorts", "0001_initial"),
    ]

    operations = [migrations.RunPython(apply_roles, migrations.RunPython.noop)]
