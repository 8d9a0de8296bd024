"""Two-factor authentication (allauth.mfa: TOTP plus recovery codes) for staff.

Trainers, Editors, Administrators and superusers must have an authenticator app before
they reach the Wagtail admin or the trainer pages (see StaffMFARequiredMiddleware).
Trainees never need one. Once TOTP is on, allauth asks for a code at every log-in.
"""

from __future__ import annotations

from allauth.mfa.models import Authenticator

from .choices import Role

MFA_ROLES = frozenset({Role.TRAINERS.value, Role.EDITORS.value, Role.ADMINISTRATORS.value})

# Where a staff user without two-factor authentication is sent to set it up first.
MFA_REQUIRED_PATH_PREFIXES = ("/admin/", "/trainer/")


def user_requires_mfa(user) -> bool:
    """Superusers and members of a staff role (Trainers, Editors, Administrators)."""
    if user is None or not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    return user.groups.filter(name__in=MFA_ROLES).exists()


def user_has_mfa(user) -> bool:
    """The user has an active TOTP authenticator (recovery codes alone do not count)."""
    if user is None or not user.is_authenticated:
        return False
    return Authenticator.objects.filter(user_id=user.pk, type=Authenticator.Type.TOTP).exists()
