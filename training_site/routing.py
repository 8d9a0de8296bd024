"""Which page a URL leads to, remembered until the content changes.

Wagtail routes a request by walking the tree from the site's root, two queries per level
(the child by slug, then its specific row), after finding the site and its root: about ten
queries for a lesson. `CachedRouteMiddleware` asks Wagtail once per URL, host, port and
language, keeps the answer (the page's model and id) in the content cache, and for later
requests takes that page from the content cache too: no query. The page's own `route`
still runs (a RoutablePageMixin page resolves its default view there) and checks `live` on
every request, so nothing Wagtail decides per request is skipped: view restrictions,
privacy and the serve hooks run as before (the restrictions they check come from the
content cache: `_remember_view_restrictions`).

Only URLs that are exactly a page are remembered: not 404s, and not sub-routes such as
/quiz/attempt/12/ (any number resolves there, so random URLs would fill the cache).
"""

from __future__ import annotations

from django.apps import apps
from django.http import Http404
from django.http.request import split_domain_port
from django.utils.functional import SimpleLazyObject
from django.utils.translation import get_language
from wagtail import views as wagtail_views
from wagtail.models import Page, Site

from .content_cache import TIMEOUT, cached, content_key, kept, remember
from .near_cache import MISSING


def _host_port(request) -> str:
    return f"{split_domain_port(request._get_raw_host())[0]}:{request.get_port()}"


def prime_site(request, *, fill: bool) -> None:
    """Wagtail's per-request site (Site.find_for_request) from the content cache; on a
    miss, looked up and kept only if `fill` (Wagtail's serve view needs the site anyway;
    other views may never ask for it)."""
    if hasattr(request, "_wagtail_site"):
        return
    key = content_key("site", _host_port(request))
    if key is None:
        return
    if fill:
        request._wagtail_site = remember(key, lambda: Site._find_for_request(request), TIMEOUT)
        return
    site = kept(key, TIMEOUT)  # this process's copy first: no round trip on most requests
    if site is not MISSING:
        request._wagtail_site = site


def prime_site_root_paths(request) -> None:
    """Wagtail's site root paths (every page URL it writes starts from them), which it reads
    from the shared cache once per request, from the content cache instead: this process's
    copy, without a round trip (a site saved or a root page moved renews the token)."""
    if hasattr(request, "_wagtail_cached_site_root_paths"):
        return

    def read() -> list:
        key = content_key("site-root-paths")
        if key is None:
            return Site.get_site_root_paths()  # Wagtail's own lookup, as without this
        return remember(key, Site.get_site_root_paths, TIMEOUT)

    # Read only if a page URL is written in this request (a JSON view writes none).
    request._wagtail_cached_site_root_paths = SimpleLazyObject(read)


def _locate(request, path: str, components: list[str]) -> tuple | None:
    result = Page.route_for_request(request, path)  # Wagtail's own routing
    site = Site.find_for_request(request)
    if result is None or site is None:
        return None
    page = result[0]
    if page.depth - site.root_page.depth != len(components):
        return None  # a sub-route (e.g. /quiz/attempt/12/): one entry per id would pile up
    return (page._meta.label, page.pk)


def prime_route(request, path: str) -> None:
    """Set Wagtail's per-request route from the cache, or fill the cache."""
    if hasattr(request, "_wagtail_route_for_request"):
        return
    components = [component for component in path.split("/") if component]
    key = content_key("route", _host_port(request), get_language(), "/".join(components))
    if key is None:
        return  # the cache does not answer: Wagtail routes as usual
    entry = remember(key, lambda: _locate(request, path, components), TIMEOUT, keep_none=False)
    if entry is None or hasattr(request, "_wagtail_route_for_request"):
        return  # a miss: Wagtail's routing ran in _locate and left its answer on the request
    label, page_id = entry
    # The page itself, as it is under this content token: a copy of it per request (pickled),
    # without a query once this process has it.
    page = cached(
        "route-page",
        label,
        page_id,
        build=lambda: apps.get_model(label)._default_manager.filter(pk=page_id).first(),
        keep_none=False,
    )
    if page is None:
        return  # deleted since: let Wagtail route it
    try:
        request._wagtail_route_for_request = route = page.route(request, [])
    except Http404:
        request._wagtail_route_for_request = None
        return
    _remember_view_restrictions(route[0])


def _remember_view_restrictions(page) -> None:
    """Wagtail's serve hook asks the page it serves for its view restrictions (its own and
    its ancestors': two queries). This page answers from the content cache instead: a
    restriction added, changed or removed is content, and renews the token. Only this
    instance, for this request, answers so; the admin asks its own instances."""
    restrictions = cached(
        "view-restrictions", page.pk, build=lambda: list(Page.get_view_restrictions(page))
    )
    page.get_view_restrictions = lambda: restrictions


class CachedRouteMiddleware:
    """Primes Wagtail's site lookup and site root paths on every view, and its serve view
    with the cached route (see the module's docstring)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        serving_a_page = view_func is wagtail_views.serve
        prime_site(request, fill=serving_a_page)
        prime_site_root_paths(request)
        if serving_a_page and view_args:
            prime_route(request, view_args[0])
        return None
