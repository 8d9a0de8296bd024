from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from wagtail.models import Page, Site

from .content_cache import cached


@dataclass(frozen=True)
class NavLink:
    label: str
    url: str
    path: str


SECTION_LABELS = {
    "frameworkpage": _("MIGOF"),
    "indicatorindexpage": _("Indicators"),
    "librarypage": _("Library"),
    "courseindexpage": _("Courses"),
    "casestudyindexpage": _("Case studies"),
}


def site_navigation(request) -> dict:
    """The header's links, cached per host, scheme and language until the content changes
    (they are on every page: a warm cache saves the queries)."""
    return cached(
        "site-navigation",
        request.scheme,
        request.get_host(),
        get_language(),
        build=lambda: _build_navigation(request),
    )


def _build_navigation(request) -> dict:
    """Home and the top-level sections of the current site, in tree order."""
    site = Site.find_for_request(request)
    if site is None:
        return {
            "home_url": "/",
            "links": [],
            "indicators_url": "",
            "library_url": "",
            "case_studies_url": "",
        }
    root = site.root_page
    children = (
        Page.objects.child_of(root)
        .live()
        .public()
        .in_menu()
        .select_related("content_type")
        .order_by("path")
    )
    links = []
    section_urls: dict[str, str] = {}
    for child in children:
        label = SECTION_LABELS.get(child.content_type.model, child.title)
        url = child.get_url(request=request)
        if url:
            links.append(NavLink(label=str(label), url=url, path=child.url_path))
            section_urls.setdefault(child.content_type.model, url)
    return {
        "home_url": root.get_url(request=request) or "/",
        "links": links,
        "indicators_url": section_urls.get("indicatorindexpage", "/indicators/"),
        "library_url": section_urls.get("librarypage", "/library/"),
        "framework_url": section_urls.get("frameworkpage", "/migof/"),
        "courses_url": section_urls.get("courseindexpage", ""),
        "case_studies_url": section_urls.get("casestudyindexpage", ""),
    }
