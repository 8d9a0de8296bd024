"""The signed-in person's user row, kept in the cache between their requests.

Django's AuthenticationMiddleware reads the user row on every signed-in request: the one
query left on a learner's lesson, course, quiz or dashboard page once their content and
progress are kept, and about a fifth of such a page's time. `AuthenticationMiddleware`
here gives `request.user` from the cache where Django would accept the kept row, and from
Django's own `django.contrib.auth.get_user` everywhere else:

- The row is kept under a token of the person's (`KEY`) and the code token (a release that
  changes the user model never unpickles an old row). The token is renewed whenever the
  row is saved or deleted (signals, at once and again after commit, so a request between
  the two cannot keep the old row under the new token) and after the admin's bulk actions
  on users, which write with `QuerySet.update()` and send no signal (`after_bulk_action`).
  Other code that updates users with `QuerySet.update()` must call `user_rows_changed`.
- A kept row is used only when the session names a configured backend, the account is
  active and the session's hash equals the kept row's `get_session_auth_hash()` (compared
  in constant time): a new password or SECRET_KEY, a deactivated account, a session
  without a hash all go to Django's get_user, which reads the row and flushes the session
  or rotates its hash as it always does.
- What is kept is the row's fields as the backend loaded them, before the request used
  them (no permission or staff-link caches), but not the password hash: the session hash
  the row gives (an HMAC of it under SECRET_KEY, as every session already holds) is kept
  instead, and the cache key names the SECRET_KEY it was made with. The user given from
  it has its password deferred: read from the database only by code that needs it (a
  password change), and left out of a `save()` without `update_fields`. While the cache
  does not answer, every request reads the row, as Django does.

The person's other tokens (content, progress, answers, staff links) are read in the same
round trip as this one (training_site.content_cache.person_token_keys).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.contrib import auth
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.middleware import AuthenticationMiddleware as DjangoAuthentication
from django.contrib.auth.middleware import auser
from django.core.exceptions import ValidationError
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.functional import SimpleLazyObject

from training_site.content_cache import (
    data_key,
    person_token_keys,
    prefetch_tokens,
    remember,
    tokens_changed,
)

KEY = "user-row:{user_id}"
TIMEOUT = 60 * 60


def token_keys(user_id: int) -> list[str]:
    return [KEY.format(user_id=user_id)]


def user_rows_changed(user_ids: Iterable[int]) -> None:
    """These users' rows changed (or are about to, in this transaction): their kept rows
    are never read again. At once, and again after commit."""
    tokens_changed(KEY.format(user_id=user_id) for user_id in user_ids)


def on_user_changed(sender, instance, **kwargs) -> None:
    """post_save and post_delete of a user."""
    if instance.pk is not None:
        user_rows_changed([instance.pk])


def after_bulk_action(request, action_type, objects, action_class_instance) -> None:
    """Wagtail's `after_bulk_action` hook (accounts.wagtail_hooks): the user admin's bulk
    actions write with QuerySet.update(), without the signals above. Their rows are
    forgotten, and the sessions of the accounts the action deactivated end at once, as
    when one account is deactivated (accounts.sessions)."""
    from .sessions import end_sessions

    user_model = auth.get_user_model()
    user_ids = [obj.pk for obj in objects if isinstance(obj, user_model) and obj.pk is not None]
    if not user_ids:
        return
    user_rows_changed(user_ids)
    for user in user_model.objects.filter(pk__in=user_ids, is_active=False):
        end_sessions(user)


def _session_user(request) -> tuple[object, str] | None:
    """(user id, backend path) the session names, or None."""
    session = request.session
    try:
        raw_id, backend_path = session[SESSION_KEY], session[BACKEND_SESSION_KEY]
        user_id = auth.get_user_model()._meta.pk.to_python(raw_id)
    except (KeyError, ValidationError):
        return None
    return user_id, backend_path


@dataclass(frozen=True)
class KeptRow:
    """A user row without its password, with the session hash it gives."""

    db: str
    names: tuple[str, ...]
    values: tuple
    session_hash: str

    @classmethod
    def of(cls, user) -> KeptRow:
        names = tuple(
            field.attname for field in user._meta.concrete_fields if field.attname != "password"
        )
        return cls(
            db=user._state.db,
            names=names,
            values=tuple(getattr(user, name) for name in names),
            session_hash=user.get_session_auth_hash(),
        )

    def user(self):
        """The user, its password deferred (read from the database if asked for)."""
        return auth.get_user_model().from_db(self.db, self.names, self.values)

    def accepts(self, request) -> bool:
        """Would Django's get_user accept this row for this session, as it is?"""
        if not self.values[self.names.index("is_active")]:
            return False
        session_hash = request.session.get(HASH_SESSION_KEY)
        return bool(session_hash) and constant_time_compare(session_hash, self.session_hash)


def _secret_id() -> str:
    """Names the SECRET_KEY the kept session hashes were made with (reveals nothing of it):
    a new key makes every kept row unread, and Django decides on the sessions."""
    return salted_hmac("accounts.kept_user", "secret-id").hexdigest()[:16]


def get_user(request):
    """The request's user: the kept row where Django would accept it, else Django's answer
    (which is then kept for the next request)."""
    found = _session_user(request)
    if found is None or found[1] not in settings.AUTHENTICATION_BACKENDS:
        return auth.get_user(request)
    user_id = found[0]
    prefetch_tokens(person_token_keys(user_id))
    key = data_key(KEY.format(user_id=user_id), "auth-user", _secret_id(), user_id)
    if key is None:  # the cache does not answer
        return auth.get_user(request)
    answered = {}

    def load() -> KeptRow | None:
        user = answered["user"] = auth.get_user(request)
        return KeptRow.of(user) if user.is_authenticated and user.pk == user_id else None

    row = remember(key, load, TIMEOUT, keep_none=False)
    if "user" in answered:
        return answered["user"]  # read just now, by Django
    return row.user() if row.accepts(request) else auth.get_user(request)


def _cached_user(request):
    if not hasattr(request, "_cached_user"):
        request._cached_user = get_user(request)
    return request._cached_user


class AuthenticationMiddleware(DjangoAuthentication):
    """Django's, with `request.user` from `get_user` above (`request.auser` unchanged)."""

    def process_request(self, request):
        super().process_request(request)  # checks the session middleware is installed
        request.user = SimpleLazyObject(partial(_cached_user, request))
        request.auser = partial(auser, request)
