"""Every URL the site answers, as data: the URL patterns of `get_resolver()` (recursively,
through every include and namespace: Wagtail's admin, allauth, our apps) and the routes of
every routable page type (RoutablePageMixin), which Wagtail serves under the page's URL.

Used by the access tests (tests/security/test_access_matrix.py) to prove that every view
has a declared access rule, and to request each one as each role.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RegexPattern, RoutePattern
from wagtail.contrib.routable_page.models import RoutablePageMixin
from wagtail.models import Page

PAGE_ROUTE_PREFIX = "page:"


@dataclass(frozen=True)
class Pattern:
    """One view's URL pattern.

    `name` is the namespaced URL name ("cohorts:detail"), "" when unnamed; a page route's
    name is "page:<app_label>.<model>:<route name>" ("page:quizzes.quizpage:autosave").
    `route` is the whole pattern from the site's root; a page route's starts with
    "<app_label.model page>/". `params` are its keyword parameters, in order (a regular
    expression's unnamed groups are "_1", "_2"...).
    """

    name: str
    route: str
    view: str
    params: tuple[str, ...]
    page_model: type[Page] | None = None
    regex: bool = False

    @property
    def label(self) -> str:
        return f"{self.name or '(unnamed)'} {self.route}"


def _params(pattern) -> tuple[str, ...]:
    if isinstance(pattern, RoutePattern):
        return tuple(pattern.converters)
    if isinstance(pattern, RegexPattern):
        regex = re.compile(pattern._regex)
        named = tuple(regex.groupindex)
        return named + tuple(f"_{n}" for n in range(1, regex.groups - len(named) + 1))
    return ()


def _walk(resolver: URLResolver, route: str, namespaces: tuple, params: tuple, regex: bool):
    for entry in resolver.url_patterns:
        here = route + str(entry.pattern)
        is_regex = regex or isinstance(entry.pattern, RegexPattern)
        if isinstance(entry, URLResolver):
            spaces = namespaces + ((entry.namespace,) if entry.namespace else ())
            yield from _walk(entry, here, spaces, params + _params(entry.pattern), is_regex)
        elif isinstance(entry, URLPattern):
            name = ":".join((*namespaces, entry.name)) if entry.name else ""
            yield Pattern(
                name=name,
                route=here,
                view=entry.lookup_str,
                params=params + _params(entry.pattern),
                regex=is_regex,
            )


def url_patterns() -> list[Pattern]:
    """Every pattern of the root URLconf, in resolving order."""
    return list(_walk(get_resolver(), "", (), (), False))


def routable_page_models() -> list[type[Page]]:
    return [
        model
        for model in apps.get_models()
        if issubclass(model, Page) and issubclass(model, RoutablePageMixin)
    ]


def page_routes() -> Iterator[Pattern]:
    for model in routable_page_models():
        label = model._meta.label_lower
        for entry in model.get_subpage_urls():
            yield Pattern(
                name=f"{PAGE_ROUTE_PREFIX}{label}:{entry.name}",
                route=f"<{label} page>/{entry.pattern}",
                view=f"{model.__module__}.{model.__name__}.{entry.callback.__name__}",
                params=_params(entry.pattern),
                page_model=model,
            )


def all_patterns() -> list[Pattern]:
    return [*url_patterns(), *page_routes()]
