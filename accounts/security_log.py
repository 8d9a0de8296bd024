"""Security events, one log record each, on the `migof.security` logger.

| event | when | fields |
| --- | --- | --- |
| login | a person signed in | user id, ip |
| login_failed | a wrong e-mail/password pair | account (a keyed hash of the typed e-mail), ip |
| logout | a person signed out | user id, ip |
| mfa_failed | a wrong two-factor or recovery code | user id, ip, authenticator type |
| permission_denied | any 403 (PermissionDenied, CSRF failure, ...) | user id, ip, method, path |
| rate_limited | a 429, or a log-in refused after too many failures | user id, ip, path |

Never logged: passwords, codes, answers or any other submitted text, query strings, session
or CSRF tokens, and the typed e-mail of a failed log-in (people type passwords into the
e-mail field, and typos are other people's addresses). `account` is a keyed hash of the
e-mail as typed (lower-cased): the same account gives the same value, so repeated failures
against one account show up, and `account_ref("someone@example.org")` finds them. It changes
when SECRET_KEY does.

Each record carries the fields as attributes (`record.event`, `record.user_id`, `record.ip`,
...) for a structured formatter, and as `key=value` text in the message.
"""

from __future__ import annotations

import logging

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.core.exceptions import PermissionDenied
from django.utils.crypto import salted_hmac

logger = logging.getLogger("migof.security")

_ACCOUNT_SALT = "migof.security.account"


def account_ref(email: str) -> str:
    """The `account` value logged for a failed log-in with this e-mail."""
    return salted_hmac(_ACCOUNT_SALT, email.strip().lower(), algorithm="sha256").hexdigest()[:16]


def client_ip(request) -> str:
    """The client's address as allauth's rate limits see it (same trusted-proxy settings)."""
    if request is None:
        return "-"
    from allauth.account.adapter import get_adapter

    try:
        return get_adapter(request).get_client_ip(request)
    except PermissionDenied:
        return request.META.get("REMOTE_ADDR") or "-"


def _user_id(user) -> str:
    if user is None or not getattr(user, "is_authenticated", False):
        return "-"
    return str(user.pk)


def log_event(event: str, request, *, level: int = logging.INFO, **fields) -> None:
    fields = {"ip": client_ip(request), **fields}
    text = " ".join(f"{key}={value}" for key, value in fields.items())
    logger.log(level, "%s %s", event, text, extra={"event": event, **fields})


# --- receivers ------------------------------------------------------------------------------


def on_logged_in(sender, request, user, **kwargs) -> None:
    log_event("login", request, user_id=_user_id(user))


def on_logged_out(sender, request, user, **kwargs) -> None:
    log_event("logout", request, user_id=_user_id(user))


def on_login_failed(sender, credentials, request=None, **kwargs) -> None:
    # Django has already masked the password in `credentials`; only the identifier is read.
    typed = credentials.get("email") or credentials.get("username") or ""
    account = account_ref(str(typed)) if typed else "-"
    log_event("login_failed", request, level=logging.WARNING, account=account)


def on_mfa_failed(sender, request, user, authenticator, **kwargs) -> None:
    log_event(
        "mfa_failed",
        request,
        level=logging.WARNING,
        user_id=_user_id(user),
        authenticator=getattr(authenticator, "type", "-"),
        reauthentication=bool(kwargs.get("reauthentication", False)),
    )


def log_refused_login(request) -> None:
    """allauth refuses a log-in for too many failed attempts with a form error (200), not a
    429: the account adapter reports it here (accounts.adapters)."""
    log_event(
        "rate_limited",
        request,
        level=logging.WARNING,
        user_id=_user_id(getattr(request, "user", None)),
        path=logged_path(request),
        action="login_failed",
    )


def connect() -> None:
    from allauth.mfa.signals import authentication_failed

    user_logged_in.connect(on_logged_in, dispatch_uid="migof.security.login")
    user_logged_out.connect(on_logged_out, dispatch_uid="migof.security.logout")
    user_login_failed.connect(on_login_failed, dispatch_uid="migof.security.login_failed")
    authentication_failed.connect(on_mfa_failed, dispatch_uid="migof.security.mfa_failed")


# --- 403 and 429 responses ------------------------------------------------------------------


class SecurityEventMiddleware:
    """Logs every 403 (permission denied, CSRF failure) and 429 (rate limit) response, from
    wherever it came. The path is logged without its query string."""

    EVENTS = {403: "permission_denied", 429: "rate_limited"}

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        event = self.EVENTS.get(response.status_code)
        if event:
            log_event(
                event,
                request,
                level=logging.WARNING,
                user_id=_user_id(getattr(request, "user", None)),
                method=request.method,
                path=logged_path(request),
            )
        return response


SECRET_URL_PARTS = ("token", "key", "uid", "code")


def logged_path(request) -> str:
    """The path without its query string, and without the secrets some paths carry (an
    invitation's or a password reset's token and user id, a cohort's join code)."""
    if request is None:
        return "-"
    path = request.path
    match = getattr(request, "resolver_match", None)
    for name, value in match.kwargs.items() if match else ():
        if any(part in name for part in SECRET_URL_PARTS) and str(value):
            path = path.replace(str(value), f"<{name}>")
    return path
