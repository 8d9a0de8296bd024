"""Caching what every visitor is shown alike, until the content changes.

One token for the whole site's content, renewed whenever a page, a site, a page's view
restriction or a registered snippet is saved, moved, published, unpublished or deleted (and
again when that transaction commits, so a request that rebuilt an entry from the old rows
in between cannot keep it). Every cached entry's key carries the token: a change makes every
entry stale at once, and stale entries simply expire. Nothing here holds anything about a
user.

Tokens are random and never reused (`token`, `renew`): a token evicted from the cache gets
a new one, so entries written under the old one can never be read again. Other versioned
caches use them too (staff links per user, mastery reports per learner).

Used for the header links, the page a URL leads to (training_site.routing), course
outlines (courses.selectors), breadcrumbs, indicator tags and study links. The cache is the
default cache: Redis in production, shared by every worker, so a publish in the admin is
seen by all of them at once. When the cache does not answer, everything is built from the
database as if nothing were cached (logged), never an error.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable, Iterable, Mapping
from typing import TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils.translation import get_language
from wagtail.models import Page, PageViewRestriction, Site

from .near_cache import MISSING, near

logger = logging.getLogger(__name__)

CONTENT_VERSION_KEY = "site-content-version"
# Renewed by a deploy only (post_migrate): what is kept under it holds no content, only a
# person's own rows, whose shape this release's code defines (`kept_data_under_token`).
CODE_VERSION_KEY = "site-code-version"
TIMEOUT = 60 * 60
_MISSING = object()
T = TypeVar("T")
K = TypeVar("K")

# What counts as content: pages, sites and view restrictions here; apps add their own
# snippets (framework_content adds indicators, domains, frameworks and key documents).
_content_models: list[type] = [Page, Site, PageViewRestriction]


def register_content_models(*models: type) -> None:
    """Saving or deleting one of these makes every cached entry stale."""
    _content_models.extend(m for m in models if m not in _content_models)


# The tokens read in this request (reset by the request signals; a renewal updates it).
_request_memo = threading.local()


# --- tokens ---------------------------------------------------------------------------------


def _memo() -> dict[str, str] | None:
    """The tokens this request has read or renewed, while a request runs (else None)."""
    if not getattr(_request_memo, "active", False):
        return None
    memo = getattr(_request_memo, "tokens", None)
    if memo is None:
        memo = _request_memo.tokens = {}
    return memo


def tokens(keys: Iterable[str]) -> dict[str, str] | None:
    """The token kept under each key (a new one where there is none), or None when the cache
    does not answer (then nothing is cached: callers build from the database). In a
    request, a token is read once (a lesson page asks for the learner's three times) and
    what the request renews is what it reads next."""
    keys = list(dict.fromkeys(keys))
    memo = _memo()
    if memo is not None and all(key in memo for key in keys):
        return {key: memo[key] for key in keys}
    found = _read_tokens(keys)
    if found is not None and memo is not None:
        memo.update(found)
    return found


def prefetch_tokens(keys: Iterable[str]) -> None:
    """Read these tokens now, in one round trip, for the rest of the request
    (TokenPrefetchMiddleware: the ones a signed-in person's pages ask for)."""
    if _memo() is not None:
        tokens(keys)


def _read_tokens(keys: list[str]) -> dict[str, str] | None:
    try:
        found = cache.get_many(keys)
        for key in keys:
            if key not in found:
                new = uuid.uuid4().hex
                # add: if another request set one meanwhile, theirs is the token.
                found[key] = new if cache.add(key, new, None) else (cache.get(key) or new)
    except Exception:
        logger.warning("The cache did not answer: building from the database.", exc_info=True)
        return None
    if not getattr(cache, "answering", True):
        return None  # it answered as an empty cache (training_site.redis_cache): not a token
    return {key: found[key] for key in keys}


def token(key: str) -> str | None:
    found = tokens([key])
    return None if found is None else found[key]


def renew(key: str) -> None:
    """A new token under `key`: whatever was kept under the old one is never read again."""
    new = uuid.uuid4().hex
    memo = _memo()
    if memo is not None:
        memo[key] = new
    try:
        cache.set(key, new, None)
    except Exception:
        # Unreachable: nothing is read from it while it is down; entries expire.
        logger.exception("The cache did not answer: %s not renewed.", key)


def renew_many(keys: Iterable[str]) -> None:
    """`renew` for many keys, in one round trip."""
    keys = list(dict.fromkeys(keys))
    if not keys:
        return
    new = {key: uuid.uuid4().hex for key in keys}
    memo = _memo()
    if memo is not None:
        memo.update(new)
    try:
        cache.set_many(new, None)
    except Exception:
        logger.exception("The cache did not answer: %s tokens not renewed.", len(keys))


# --- renewing tokens: now, and once more when the transaction commits --------------------


class TokenRenewal:
    """The on-commit callback that renews tokens: one per transaction, however many changes
    it holds (a lesson completed renews the same learner's token three or four times)."""

    def __init__(self) -> None:
        self.keys: dict[str, None] = {}

    def __call__(self) -> None:
        renew_many(self.keys)


def _pending_renewal() -> TokenRenewal | None:
    """This transaction's renewal, if one is waiting for the commit. Django drops the
    callbacks of a savepoint rolled back: then a new one is registered."""
    for entry in transaction.get_connection().run_on_commit:  # (savepoint ids, callback, robust)
        if isinstance(entry[1], TokenRenewal):
            return entry[1]
    return None


def tokens_changed(keys: Iterable[str]) -> None:
    """Renew these tokens now and again when the transaction commits (one callback per
    transaction, whatever the number of calls): for any per-person token (a learner's
    progress, cohorts or attempts, a person's user row and staff links). Now, so this
    request reads its own writes; after commit, so an entry built meanwhile from the rows
    before the change is dropped too."""
    keys = list(dict.fromkeys(keys))
    if not keys:
        return
    renew_many(keys)
    if not transaction.get_connection().in_atomic_block:
        return
    renewal = _pending_renewal()
    if renewal is None:
        renewal = TokenRenewal()
        transaction.on_commit(renewal)
    renewal.keys.update(dict.fromkeys(keys))


# --- the content token -------------------------------------------------------------------


def content_changed(**kwargs) -> None:
    """Signal receiver: content changed (see `register_content_models`); all entries stale,
    now and again on commit (one renewal per transaction: `tokens_changed`)."""
    instance = kwargs.get("instance")
    if instance is not None and not isinstance(instance, tuple(_content_models)):
        return
    tokens_changed([CONTENT_VERSION_KEY])


def code_changed(**kwargs) -> None:
    """post_migrate (every deploy runs migrate): a new content token and a new code token,
    so nothing rendered or shaped by the previous release's templates or code (whole pages,
    fragments, the dashboard's sections, a learner's kept rows) is served by this one."""
    renew_many([CONTENT_VERSION_KEY, CODE_VERSION_KEY])


def keeps_rendered_html() -> bool:
    """Whether rendered HTML may be kept (whole pages, `{% kept %}` fragments, the
    dashboard's mastery section): not while DEBUG is on, where templates are edited while
    the server runs and must show at once."""
    return not settings.DEBUG


def content_version() -> str | None:
    """The current content token (read once per request: `tokens`), or None when the cache
    does not answer."""
    return token(CONTENT_VERSION_KEY)


def request_started(**kwargs) -> None:
    """Signal receiver: read each token at most once in this request."""
    _request_memo.tokens = None
    _request_memo.active = True


def request_finished(**kwargs) -> None:
    _request_memo.tokens = None
    _request_memo.active = False


# The tokens a signed-in person's pages read (apps add theirs: courses the learner's
# progress token, accounts the staff-links tokens), read together at the start of their
# requests (TokenPrefetchMiddleware).
_person_tokens: list[Callable[[int], Iterable[str]]] = []


def register_person_tokens(keys_for: Callable[[int], Iterable[str]]) -> None:
    if keys_for not in _person_tokens:
        _person_tokens.append(keys_for)


class TokenPrefetchMiddleware:
    """For a signed-in person, the content token and the tokens their pages key on, in one
    round trip instead of one per lookup. Placed after AuthenticationMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            prefetch_tokens(person_token_keys(user.pk))
        return self.get_response(request)


def person_token_keys(user_id: int) -> list[str]:
    """The content and code tokens, and every token registered for this person."""
    keys = [CONTENT_VERSION_KEY, CODE_VERSION_KEY]
    for keys_for in _person_tokens:
        keys.extend(keys_for(user_id))
    return keys


def content_key(name: str, *parts: object) -> str | None:
    """The cache key of `name` and `parts` under the current content token (None when the
    cache does not answer)."""
    version = content_version()
    if version is None:
        return None
    return ":".join(["content", version, name, *map(str, parts)])


def cached(
    name: str,
    *parts: object,
    build: Callable[[], T],
    timeout: int = TIMEOUT,
    keep_none: bool = True,
) -> T:
    """`build()`, kept under `name` and `parts` until the content changes. With
    keep_none=False a None (say, nothing found for a URL's slugs) is not kept: random URLs
    must not fill the cache."""
    key = content_key(name, *parts)
    if key is None:
        return build()
    return remember(key, build, timeout, keep_none=keep_none)


def _read(key: str, timeout: int):
    """This process's copy, else the shared cache's (then copied here), else MISSING.
    Raises when the shared cache does not answer."""
    value = near.get(key)
    if value is not MISSING:
        return value
    value = cache.get(key, _MISSING)
    if value is _MISSING:
        return MISSING
    near.set(key, value, timeout)
    return value


def remember(key: str, build: Callable[[], T], timeout: int, *, keep_none: bool = True) -> T:
    """`build()`, kept under `key` for `timeout` seconds; built every time while the cache
    does not answer. The key must change when what `build` reads changes (a token in it):
    then this process keeps a copy too (training_site.near_cache) and reads it first."""
    try:
        value = _read(key, timeout)
    except Exception:
        logger.warning("The cache did not answer: building %s.", key, exc_info=True)
        return build()
    if value is MISSING:
        value = build()
        if value is not None or keep_none:
            _quietly(cache.set, key, value, timeout)
            near.set(key, value, timeout)
    return value


def kept_under_token(token_key: str, name: str, *parts: object, build, timeout: int):
    """`build()`, kept under the token at `token_key` (a learner's progress, cohorts...) and
    the content token; built every time while the cache does not answer."""
    found = token(token_key)
    key = None if found is None else content_key(name, found, *parts)
    return build() if key is None else remember(key, build, timeout)


def kept_data_under_token(token_key: str, name: str, *parts: object, build, timeout: int):
    """`build()`, kept under the token at `token_key` and the code token, NOT the content
    token: for values read from a person's own rows that name no page's title, link or
    setting (ids, dates, states), so a publish, which renews the content token, leaves them
    kept and a learner's first page after it is rendered without reading them again.
    Built every time while the cache does not answer."""
    key = data_key(token_key, name, *parts)
    return build() if key is None else remember(key, build, timeout)


def data_key(token_key: str, name: str, *parts: object) -> str | None:
    """`kept_data_under_token`'s key: under the token at `token_key` and the code token
    (None when the cache does not answer)."""
    found = tokens([token_key, CODE_VERSION_KEY])
    if found is None:
        return None
    return ":".join(["data", found[CODE_VERSION_KEY], found[token_key], name, *map(str, parts)])


def kept(key: str, timeout: int):
    """What is kept under `key` (this process's copy first), or MISSING: nothing is built.
    For a value a request may use if someone else has built it."""
    try:
        return _read(key, timeout)
    except Exception:
        return MISSING


_ABSENT = "content-cache:absent"  # kept for an id `build` had nothing for


def remember_many(
    keys: Mapping[K, str], build: Callable[[list[K]], Mapping[K, T]], timeout: int
) -> dict[K, T]:
    """For each id, the value kept under its key; `build(missing ids)` for the others, in
    one call. Ids `build` leaves out are remembered as such and left out of the result."""
    values = {}
    for i, key in keys.items():
        value = near.get(key)
        if value is not MISSING:
            values[i] = value
    far = {i: key for i, key in keys.items() if i not in values}
    if far:
        try:
            found = cache.get_many(list(far.values()))
        except Exception:
            found = {}
        for i, key in far.items():
            if key in found:
                values[i] = found[key]
                near.set(key, found[key], timeout)
    missing = [i for i in keys if i not in values]
    if missing:
        built = build(missing)
        kept = {keys[i]: built.get(i, _ABSENT) for i in missing}
        _quietly(cache.set_many, kept, timeout)
        for key, value in kept.items():
            near.set(key, value, timeout)
        values.update(built)
    return {i: value for i, value in values.items() if value != _ABSENT}


def _quietly(operation, *args) -> None:
    try:
        operation(*args)
    except Exception:
        logger.warning("The cache did not answer: %s not kept.", args[0], exc_info=True)


def cached_many(
    name: str, ids: Iterable[K], build: Callable[[list[K]], Mapping[K, T]], timeout: int = TIMEOUT
) -> dict[K, T]:
    """`build(missing ids)` for the ids not cached yet, one cache round trip for the rest,
    until the content changes."""
    ids = list(dict.fromkeys(ids))
    if not ids:
        return {}
    if content_version() is None:
        return dict(build(ids))
    return remember_many({i: content_key(name, i) for i in ids}, build, timeout)


def cached_for_page(request, page, name: str, build: Callable[[], T]) -> T:
    """`build()` for a page's context, kept per page and language until the content
    changes; built afresh in a preview (the draft must show as edited)."""
    if page.pk is None or getattr(request, "is_preview", False):
        return build()
    return cached(name, page.pk, get_language(), build=build)
