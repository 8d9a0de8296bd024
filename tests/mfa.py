"""Two-factor authentication helpers for tests (never shipped with the app).

Staff (Trainers, Editors, Administrators, superusers) reach /admin/ and /trainer/ only with
TOTP set up (accounts.middleware.StaffMFARequiredMiddleware). Tests that `force_login` a
staff user and then use the admin give that user TOTP first:

    from tests.mfa import activate_totp
    activate_totp(user)
"""

from __future__ import annotations

import time

TEST_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # noqa: S105 - test credential


def activate_totp(user, secret: str = TEST_TOTP_SECRET) -> str:
    """Give `user` TOTP (and recovery codes) through allauth's own API. Returns the secret."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
    from allauth.mfa.totp.internal.auth import TOTP

    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(user, secret)
    RecoveryCodes.activate(user)
    return secret


def totp_code(secret: str = TEST_TOTP_SECRET, *, step: int = 0) -> str:
    """The code an authenticator app shows now (`step` periods later or earlier)."""
    from allauth.mfa import app_settings
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    counter = int(time.time()) // app_settings.TOTP_PERIOD + step
    return format_hotp_value(hotp_value(secret, counter))


def recovery_codes(user) -> list[str]:
    """The user's unused recovery codes."""
    from allauth.mfa.models import Authenticator

    return (
        Authenticator.objects.get(user=user, type=Authenticator.Type.RECOVERY_CODES)
        .wrap()
        .get_unused_codes()
    )


def record_mfa_step(session, user) -> None:
    """Record in `session` that it passed the code step for `user`, as allauth does when a
    code is entered at log-in (accounts.mfa.session_passed_mfa reads it)."""
    from allauth.account.internal.flows.login import record_authentication
    from django.http import HttpRequest

    request = HttpRequest()
    request.session = session
    request.user = user
    record_authentication(request, user, "mfa", type="totp")
