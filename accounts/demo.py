"""Demo accounts. Created only by `manage.py seed_demo`, never by a migration."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import Group
from django.db import transaction

from .choices import Role
from .mfa import MFA_ROLES
from .models import User

DEMO_PASSWORD = "migof-demo-2026"  # noqa: S105 - documented demo credential, refused in production
# The staff demo accounts' authenticator-app secret (base32, documented in the README).
# `manage.py demo_totp_code` prints its current code for people without an authenticator app.
DEMO_TOTP_SECRET = "MIGOFACADEMYDEMOTOTPSECRETKEY234"  # noqa: S105 - documented demo credential


@dataclass(frozen=True)
class DemoAccount:
    email: str
    full_name: str
    role: Role | None
    superuser: bool = False

    @property
    def needs_mfa(self) -> bool:
        """Staff (admin, editor, trainer) have two-factor authentication, like real staff."""
        return self.superuser or (self.role is not None and self.role.value in MFA_ROLES)


DEMO_ACCOUNTS = [
    DemoAccount("admin@example.org", "Ada Administrator", Role.ADMINISTRATORS, superuser=True),
    DemoAccount("editor@example.org", "Eli Editor", Role.EDITORS),
    DemoAccount("trainer@example.org", "Tess Trainer", Role.TRAINERS),
    DemoAccount("trainee@example.org", "Tomas Trainee", Role.TRAINEES),
]


@transaction.atomic
def ensure_demo_accounts() -> list[tuple[User, bool]]:
    """Create the demo accounts with verified e-mail addresses; the staff ones also get
    two-factor authentication (TOTP with DEMO_TOTP_SECRET, and recovery codes). Idempotent."""
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
        if account.needs_mfa:
            ensure_demo_totp(user)
        results.append((user, created))
    return results


def ensure_demo_totp(user: User) -> None:
    """Give a staff demo account TOTP with the documented DEMO_TOTP_SECRET, plus recovery
    codes, through allauth's own API (so the secret is stored through the MFA adapter's
    encrypt(), as allauth expects). A different secret is replaced. Idempotent."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
    from allauth.mfa.totp.internal.auth import TOTP
    from allauth.mfa.utils import decrypt

    totp = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    if totp is not None and decrypt(totp.data["secret"]) != DEMO_TOTP_SECRET:
        totp.delete()
        totp = None
    if totp is None:
        TOTP.activate(user, DEMO_TOTP_SECRET)
    RecoveryCodes.activate(user)  # keeps existing codes


def is_demo_mfa_account(email: str) -> bool:
    return any(a.email == email.strip().lower() and a.needs_mfa for a in DEMO_ACCOUNTS)
