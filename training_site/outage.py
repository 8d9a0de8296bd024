"""What a visitor gets while the database does not answer: the site's 503 page, not a 500.

Django turns an exception no view handled into a response at each middleware layer, with
the 500 handler (`training_site.views.server_error`). That handler asks `database_down()`
whether the exception being handled is the database failing to do its work (PEP 249's
OperationalError: a connection refused or lost, a timeout, a server shutting down; or an
InterfaceError: the connection itself is unusable) and then answers `unavailable()`:
status 503, a Retry-After header, never stored by a proxy, and the site's own
"Temporarily unavailable" page rendered without the request's context processors, which
might query the database that just failed. The error is still logged as any other.

The cache (Redis) failing is not an outage of the site: training_site.redis_cache answers
as an empty cache meanwhile, and pages are built from the database.
"""

from __future__ import annotations

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils.cache import add_never_cache_headers
from django.utils.translation import get_language

# How long a client (or a load balancer) is asked to wait before trying again.
RETRY_AFTER_SECONDS = 120
DATABASE_ERRORS = (OperationalError, InterfaceError)


def database_down(exception: BaseException | None = None) -> bool:
    """Whether `exception` (by default: the one being handled) means the database is not
    answering."""
    if exception is None:
        exception = sys.exc_info()[1]
    return isinstance(exception, DATABASE_ERRORS)


def unavailable() -> HttpResponse:
    html = render_to_string("503.html", {"LANGUAGE_CODE": get_language()})
    response = HttpResponse(html, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    add_never_cache_headers(response)
    return response
