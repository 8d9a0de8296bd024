from django.utils.functional import SimpleLazyObject

from . import selectors


def site_navigation(request):
    """The header's section links, looked up once per request and only if rendered."""
    return {"site_nav": SimpleLazyObject(lambda: selectors.site_navigation(request))}


def staff_links(request):
    """Which staff links the header shows (cached per user: accounts.admin_access)."""
    from accounts.admin_access import staff_links as links_for

    return {"staff_links": SimpleLazyObject(lambda: links_for(getattr(request, "user", None)))}
