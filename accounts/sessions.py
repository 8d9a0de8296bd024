"""Every session of a person ends together: when they log out (on any device), when their
account is deactivated, and, except the one they are using, when their password changes.

The sessions are tracked by allauth's `usersessions` app (one `UserSession` row per
signed-in session, which it can end: the session row or the cached_db entry deleted).
allauth records allauth log-ins; Django's own log-ins (the admin, the test client's
`force_login`) are recorded here through `user_logged_in`, and a session whose key changed
since (Django cycles it on a password change) is recorded again by
`accounts.middleware.SessionTrackingMiddleware`, which needs no query to notice: the
session carries the key it was recorded under. (allauth's own `TRACK_ACTIVITY` would write
a row on every request.)

Deactivation also works without any of this: Django's authentication backend refuses an
inactive user on every request. Ending the sessions removes them at once, whatever the
session engine.
"""

from __future__ import annotations

from allauth.account.adapter import get_adapter
from allauth.core import context
from allauth.usersessions.models import UserSession
from django.core.exceptions import PermissionDenied

# The session key this session was recorded under (in the session itself).
TRACKED_KEY = "_usersession_key"


def track(request, user) -> None:
    """Record the request's session as one of `user`'s (idempotent)."""
    session = request.session
    if not session.session_key:
        session.save()
    try:
        ip = get_adapter().get_client_ip(request)
    except PermissionDenied:
        ip = "0.0.0.0"  # noqa: S104 - a request without a client address (force_login)
    agent_length = UserSession._meta.get_field("user_agent").max_length
    UserSession.objects.update_or_create(
        session_key=session.session_key,
        defaults={
            "user": user,
            "ip": ip,
            "user_agent": request.META.get("HTTP_USER_AGENT", "")[:agent_length],
        },
    )
    session[TRACKED_KEY] = session.session_key


def is_tracked(session) -> bool:
    return bool(session.session_key) and session.get(TRACKED_KEY) == session.session_key


def end_sessions(user, *, keep: str | None = None) -> int:
    """End every session of `user` (but the one whose key is `keep`). Returns how many."""
    ended = 0
    for user_session in UserSession.objects.filter(user_id=user.pk):
        if keep and user_session.session_key == keep:
            continue
        user_session.end()
        ended += 1
    return ended


def current_session_key(user) -> str | None:
    """The key of the session the current request runs under, if it is `user`'s."""
    request = context.request
    if request is None or getattr(request, "user", None) is None:
        return None
    if request.user.pk != user.pk or not hasattr(request, "session"):
        return None
    return request.session.session_key


# --- signal receivers (connected in AccountsConfig.ready) ---------------------------------


def on_logged_in(sender, request, user, **kwargs) -> None:
    if request is not None and hasattr(request, "session"):
        track(request, user)


def on_logged_out(sender, request, user, **kwargs) -> None:
    """Logging out on one device logs out everywhere."""
    if user is not None:
        end_sessions(user)


def on_user_saved(sender, instance, created, update_fields=None, **kwargs) -> None:
    """A deactivated account's sessions end at once; a new password ends the other ones
    (Django would refuse them at their next request; this removes them now)."""
    if created:
        return
    if update_fields is not None and not {"is_active", "password"} & set(update_fields):
        return  # e.g. last_login, written at every log-in
    if not instance.is_active:
        end_sessions(instance)
    elif getattr(instance, "_password", None) is not None:  # set_password() before save()
        end_sessions(instance, keep=current_session_key(instance))
