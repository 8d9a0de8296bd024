"""Re-apply the roles once the quizzes app exists: Trainers and Editors get the question
bank's permissions (accounts/roles.py), Administrators all of them."""

from django.db import migrations


def apply_roles(apps, schema_editor):
    from accounts.roles import apply_roles

    apply_roles(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_roles_courses"),
        ("quizzes", "0001_initial"),
    ]

    operations = [migrations.RunPython(apply_roles, migrations.RunPython.noop)]
