"""Demo accounts. Created only by `manage.py seed_demo`, never by a migration."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import Group
from django.db import transaction

from .choices import Role
from .models import User

DEMO_PASSWORD = "migof-demo-2026"  # noqa: S105 - documented demo credential, refused in production


@dataclass(frozen=True)
class DemoAccount:
    email: str
    full_name: str
    role: Role | None
    superuser: bool = False


DEMO_ACCOUNTS = [
    DemoAccount("admin@example.org", "Ada Administrator", Role.ADMINISTRATORS, superuser=True),
    DemoAccount("editor@example.org", "Eli Editor", Role.EDITORS),
    DemoAccount("trainer@example.org", "Tess Trainer", Role.TRAINERS),
    DemoAccount("trainee@example.org", "Tomas Trainee", Role.TRAINEES),
]


@transaction.atomic
def ensure_demo_accounts() -> list[tuple[User, bool]]:
    """Create the demo accounts with verified e-mail addresses. Idempotent."""
    from allauth.account.models import EmailAddress

    results = []
    for account in DEMO_ACCOUNTS:
        user, created = User.objects.get_or_create(
            email=account.email,
            defaults={
                "full_name": account.full_name,
                "is_staff": account.superuser,
                "is_superuser": account.superuser,
                "organisation": "MIGOF Academy demo",
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        if account.role is not None:
            group, _ = Group.objects.get_or_create(name=account.role.value)
            user.groups.add(group)
        EmailAddress.objects.update_or_create(
            user=user, email=account.email, defaults={"verified": True, "primary": True}
        )
        results.append((user, created))
    return results
