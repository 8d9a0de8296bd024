"""Re-apply the roles once attempts exist: Trainers and Editors may read quiz statistics
(`quizzes.view_quiz_statistics`, accounts/roles.py), Administrators everything."""

from django.db import migrations


def apply_roles(apps, schema_editor):
    from accounts.roles import apply_roles

    apply_roles(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_roles_quizzes"),
        ("quizzes", "0002_quiz_pages_and_attempts"),
    ]

    operations = [migrations.RunPython(apply_roles, migrations.RunPython.noop)]
