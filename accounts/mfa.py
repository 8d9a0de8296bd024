"""Two-factor authentication (allauth.mfa: TOTP plus recovery codes) for staff.

Trainers, Editors, Administrators and superusers must have an authenticator app before
they reach the Wagtail admin or the trainer pages (see StaffMFARequiredMiddleware), and
the session they use must have passed the code step: allauth records each step of a
log-in in the session (`get_authentication_records`, method "mfa" for a code or a
recovery code, at log-in or when re-authenticating). A session that signed in before its
user set up TOTP elsewhere has no such record and is asked for a code first. Setting up
TOTP in a session counts as its code step (the person just typed a code from the app).
Trainees never need one. Once TOTP is on, allauth asks for a code at every log-in.
"""

from __future__ import annotations

from allauth.account.authentication import get_authentication_records
from allauth.mfa.models import Authenticator

from .choices import Role

MFA_ROLES = frozenset({Role.TRAINERS.value, Role.EDITORS.value, Role.ADMINISTRATORS.value})

# Where a staff user without two-factor authentication is sent to set it up first.
# Every staff-only view lives under one of them: the Wagtail admin and what the apps add to
# it (question import and export, quiz statistics and their CSV files, certificates,
# reports) and the trainer workspace (cohorts, reminders, programme reports, exports and
# their downloads). tests/security/test_staff_mfa.py checks that every URL pattern outside
# them is public or a learner's.
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


def session_passed_mfa(request, user) -> bool:
    """The request's session passed a two-factor step for `user` (no query)."""
    return any(
        record.get("method") == "mfa" for record in get_authentication_records(request, user)
    )


def on_authenticator_saved(sender, instance, created, **kwargs) -> None:
    """Setting up TOTP in a session is that session's code step (allauth records none):
    the authenticator is created by allauth's activation view once the code checked out,
    and the request is allauth's current one (tests/accounts/test_mfa.py). Created in
    any other way (the demo accounts, a shell), no session is concerned."""
    from allauth.account.internal.flows.login import record_authentication
    from allauth.core import context

    request = context.request
    if not created or instance.type != Authenticator.Type.TOTP or request is None:
        return
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and user.pk == instance.user_id:
        record_authentication(request, user, "mfa", id=instance.pk, type="totp")
