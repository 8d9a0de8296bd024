"""The floor: the cheapest page this stack can serve, through the same middleware.

A constant HTML page of about the size of a lesson page (bench/README.md, "The floor"), no
template, no database, no session. Every page's throughput is reported as a share of it.
"""

from django.http import HttpResponse
from django.views.decorators.http import require_safe

FLOOR_BYTES = 24_000

_PARAGRAPH = (
    "<p>Migration governance: the traditions and institutions by which a country manages "
    "migration, its laws, policies and the partners it works with.</p>\n"
)
_BODY = _PARAGRAPH * (FLOOR_BYTES // len(_PARAGRAPH))
FLOOR_PAGE = (
    '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>Floor</title></head>'
    f"<body><main>{_BODY}</main></body></html>\n"
).encode()


@require_safe
def floor(request):
    """Public (it tells nothing): the same bytes every time."""
    return HttpResponse(FLOOR_PAGE, content_type="text/html; charset=utf-8")
