from django import template
from wagtail.admin.templatetags.wagtailuserbar import wagtailuserbar

from accounts.admin_access import can_access_admin

from ..content_cache import cached

register = template.Library()


@register.simple_tag(takes_context=True)
def breadcrumb_trail(context, page) -> list[dict]:
    """The page's ancestors below the tree's root, as title/url/depth, cached until the
    content changes (one query saved on every page below the home page)."""
    request = context.get("request")
    host = request.get_host() if request is not None else ""

    def build() -> list[dict]:
        return [
            {"title": a.title, "url": a.get_url(request=request) or "", "depth": a.depth}
            for a in page.get_ancestors()[1:]
        ]

    if page.pk is None:
        return build()
    return cached("breadcrumbs", page.pk, host, build=build)


@register.simple_tag(takes_context=True)
def userbar(context, position="bottom-right"):
    """Wagtail's user bar, for people who may use the admin; for everyone else without
    the two permission queries (accounts.admin_access)."""
    request = context.get("request")
    if request is None or not can_access_admin(getattr(request, "user", None)):
        return ""
    return wagtailuserbar(context, position)
