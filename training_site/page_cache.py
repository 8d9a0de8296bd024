"""Whole pages for anonymous visitors, kept until the content changes.

A page of the site (Wagtail's serve view) looks the same to every visitor who is not signed
in, in one language: the home page, the MIGOF elements, indicators, case studies, courses
and lessons as a visitor sees them. `AnonymousPageCacheMiddleware` keeps such a response
whole, under the content token (training_site.content_cache: any page, snippet or site
saved, published, moved or deleted makes every kept page stale at once), the scheme, host,
port, language and path, and serves it again without routing, queries or templates.

A response is kept only when nothing in it can belong to one visitor:
- GET, no query string (filters and paging are not kept: random query strings would fill
  the cache), not a preview, the visitor not signed in and with no message waiting (the
  message would be in the page; a waiting message also means the kept copy is not served);
- 200, HTML, not streamed, no cookie set, no `Cache-Control: private` or `no-store`, and no
  CSRF token put in the page (a form that posts: the token is the visitor's own). The
  header's language switch has no token for visitors who are not signed in
  (accounts.views.set_language checks it for those who are).

HEAD is answered from a kept GET. When the cache does not answer, or DEBUG is on, pages are
built as usual; a deploy (migrate) renews the content token, so no page rendered by the
previous release is served.
What the other middleware add to every response (security headers, Vary, the language)
is added to a kept page too: it goes back through them. That includes the
Content-Security-Policy (training_site.csp, placed around this middleware): a page whose
markup holds its request's CSP nonce is kept with that nonce beside it, and each visitor it
is served to gets it with their own request's nonce in its place, the one their header names.
"""

from __future__ import annotations

import logging

from django.contrib.messages import get_messages
from django.core.cache import cache
from django.http import HttpResponse
from django.http.request import split_domain_port
from django.utils.translation import get_language
from wagtail import views as wagtail_views

from .content_cache import TIMEOUT, content_key, keeps_rendered_html
from .csp import nonce_in, with_current_nonce

logger = logging.getLogger(__name__)

# Headers a kept page is served with (the rest are added by the middleware around it).
KEPT_HEADERS = ("Content-Type", "Content-Language")
# The largest page kept: a page this size is not a guidance page, and the cache is shared.
MAX_BYTES = 512 * 1024
KEY_NAME = "anonymous-page"
SERVED_FROM_CACHE = "X-Page-Cache"  # "hit" or "miss": for the benchmark and the curious


def _key(request) -> str | None:
    host, _port = split_domain_port(request._get_raw_host())
    return content_key(
        KEY_NAME, request.scheme, host, request.get_port(), get_language(), request.path
    )


def _may_be_kept(request) -> bool:
    if not keeps_rendered_html():
        return False
    if request.method not in ("GET", "HEAD") or request.META.get("QUERY_STRING"):
        return False
    if getattr(request, "is_preview", False):
        return False
    user = getattr(request, "user", None)
    if user is None or user.is_authenticated:
        return False
    try:
        return len(get_messages(request)) == 0  # counts without marking them read
    except Exception:  # no message storage on this request
        return True


def _keepable(request, response) -> bool:
    if response.status_code != 200 or response.streaming or response.cookies:
        return False
    if not response.get("Content-Type", "").startswith("text/html"):
        return False
    control = response.get("Cache-Control", "")
    if "private" in control or "no-store" in control:
        return False
    if request.META.get("CSRF_COOKIE_NEEDS_UPDATE"):
        return False  # the page holds a CSRF token: the visitor's own
    return len(response.content) <= MAX_BYTES


class AnonymousPageCacheMiddleware:
    """Serves a kept page to a visitor who is not signed in, and keeps pages that may be
    kept (see the module's docstring). Placed after the session, locale, authentication
    and message middleware, before the route cache (a kept page needs no route)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        key = getattr(request, "_anonymous_page_key", None)
        if key is not None and request.method == "GET" and _keepable(request, response):
            headers = [(name, response[name]) for name in KEPT_HEADERS if name in response]
            nonce = nonce_in(request, response.content)
            try:
                cache.set(key, (response.content, headers, nonce), TIMEOUT)
            except Exception:
                logger.warning("The cache did not answer: page not kept.", exc_info=True)
            response[SERVED_FROM_CACHE] = "miss"
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        if view_func is not wagtail_views.serve or not _may_be_kept(request):
            return None
        key = _key(request)
        if key is None:
            return None  # the cache does not answer
        try:
            kept = cache.get(key)
        except Exception:
            logger.warning("The cache did not answer: page built.", exc_info=True)
            return None
        if kept is None:
            request._anonymous_page_key = key
            return None
        content, headers, nonce = kept
        response = HttpResponse(with_current_nonce(request, content, nonce))
        for name, value in headers:
            response[name] = value
        response[SERVED_FROM_CACHE] = "hit"
        return response
