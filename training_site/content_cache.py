"""Caching what every visitor is shown alike, until the content changes.

One version number for the whole site's content, bumped whenever a page, a site or a page's
view restriction is saved, moved, published, unpublished or deleted (and again when that
transaction commits, so a request that rebuilt an entry from the old rows in between cannot
keep it). Every cached entry's key carries the version: a change makes every entry stale at
once, and stale entries simply expire. Nothing here holds anything about a user.

Used for the header links, the page a URL leads to (training_site.routing), course
outlines (courses.selectors), breadcrumbs, indicator tags and study links. The cache is the
default cache: Redis in production, shared by every worker, so a publish in the admin is
seen by all of them at once. When the cache does not answer, everything is built from the
database as if nothing were cached (logged once per request path), never an error.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Mapping
from typing import TypeVar

from django.core.cache import cache
from django.db import transaction
from wagtail.models import Page, PageViewRestriction, Site

logger = logging.getLogger(__name__)

CONTENT_VERSION_KEY = "site-content-version"
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


# The version read once per request (reset by the request signals, and by a bump).
_request_memo = threading.local()


def forget_request_memo(**kwargs) -> None:
    _request_memo.version = None


def _bump() -> None:
    forget_request_memo()
    try:
        try:
            cache.incr(CONTENT_VERSION_KEY)
        except ValueError:  # not set yet (or evicted)
            cache.set(CONTENT_VERSION_KEY, 1, None)
    except Exception:
        # Unreachable: entries written before it went away must not be read when it comes
        # back (Redis keeps nothing on disk here, but a persistent one might).
        logger.exception("The cache did not answer: cached content may be stale.")


def content_changed(**kwargs) -> None:
    """Signal receiver: content changed (see `register_content_models`); all entries stale."""
    instance = kwargs.get("instance")
    if instance is not None and not isinstance(instance, tuple(_content_models)):
        return
    _bump()
    transaction.on_commit(_bump)


def content_version() -> int | None:
    """The current version, or None when the cache does not answer (then nothing is
    cached: callers build from the database)."""
    version = getattr(_request_memo, "version", None)
    if version is not None:
        return version
    try:
        version = cache.get_or_set(CONTENT_VERSION_KEY, 1, None)
    except Exception:
        logger.warning("The cache did not answer: building from the database.", exc_info=True)
        return None
    if getattr(_request_memo, "active", False):
        _request_memo.version = version
    return version


def request_started(**kwargs) -> None:
    """Signal receiver: read the version at most once in this request."""
    _request_memo.version = None
    _request_memo.active = True


def request_finished(**kwargs) -> None:
    _request_memo.version = None
    _request_memo.active = False


def _key(version: int, name: str, parts: Iterable[object]) -> str:
    return ":".join(["content", str(version), name, *map(str, parts)])


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
    version = content_version()
    if version is None:
        return build()
    return remember(_key(version, name, parts), build, timeout, keep_none=keep_none)


def remember(key: str, build: Callable[[], T], timeout: int, *, keep_none: bool = True) -> T:
    """`build()`, kept under `key` for `timeout` seconds; built every time while the cache
    does not answer. The key must change when what `build` reads changes (a version in it)."""
    try:
        value = cache.get(key, _MISSING)
    except Exception:
        logger.warning("The cache did not answer: building %s.", key, exc_info=True)
        return build()
    if value is _MISSING:
        value = build()
        if value is not None or keep_none:
            _quietly(cache.set, key, value, timeout)
    return value


def _quietly(operation, *args) -> None:
    try:
        operation(*args)
    except Exception:
        logger.warning("The cache did not answer: %s not kept.", args[0], exc_info=True)


def cached_many(
    name: str, ids: Iterable[K], build: Callable[[list[K]], Mapping[K, T]], timeout: int = TIMEOUT
) -> dict[K, T]:
    """`build(missing ids)` for the ids not cached yet, one cache round trip for the rest."""
    ids = list(dict.fromkeys(ids))
    version = content_version()
    if version is None:
        return dict(build(ids)) if ids else {}
    keys = {i: _key(version, name, [i]) for i in ids}
    try:
        found = cache.get_many(list(keys.values()))
    except Exception:
        found = {}
    result = {i: found[keys[i]] for i in ids if keys[i] in found}
    missing = [i for i in ids if i not in result]
    if missing:
        built = build(missing)
        _quietly(cache.set_many, {keys[i]: built[i] for i in missing if i in built}, timeout)
        result.update(built)
    return result


def cached_for_page(request, page, name: str, build: Callable[[], T]) -> T:
    """`build()` for a page's context, kept per page and language until the content
    changes; built afresh in a preview (the draft must show as edited)."""
    if page.pk is None or getattr(request, "is_preview", False):
        return build()
    from django.utils.translation import get_language

    return cached(name, page.pk, get_language(), build=build)
