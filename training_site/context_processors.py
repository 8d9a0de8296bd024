from django.utils.functional import SimpleLazyObject

from . import selectors


def site_navigation(request):
    """The header's section links, looked up once per request and only if rendered."""
    return {"site_nav": SimpleLazyObject(lambda: selectors.site_navigation(request))}
