"""Content-Security-Policy: strict on the site, report-only on Wagtail's admin.

The site (public pages, learners' pages, accounts, the trainer workspace) is sent the
policy in ``settings.CONTENT_SECURITY_POLICY``: scripts and styles from this origin, or
inline only with the request's nonce (``request.csp_nonce``), never 'unsafe-inline'. Our
templates hold no inline script, style, ``style=""`` or ``on…=`` handler.

Wagtail's admin writes inline scripts and styles of its own, so under the admin's prefix
the strict policy is only reported (``ADMIN_CONTENT_SECURITY_POLICY_REPORT_ONLY``: the
browser's console names what it would block) while a policy that cannot break the admin is
enforced (``ADMIN_CONTENT_SECURITY_POLICY``: no plugins, no foreign <base>, no framing by
another site, forms post here only).

A nonce belongs to one response. Whatever keeps rendered HTML for other requests (the
anonymous page cache, ``{% kept %}`` fragments) keeps the nonce it was rendered with beside
the HTML and puts the current request's nonce in its place when serving it
(``nonce_in`` / ``with_current_nonce``): the kept nonce was random and never known before
that render, so no stored content can have been written to match it.
"""

from __future__ import annotations

from functools import cache

from csp.middleware import CSPMiddleware, PolicyParts
from csp.utils import default_config
from django.conf import settings
from django.urls import NoReverseMatch, reverse


@cache
def _admin_prefixes() -> tuple[str, ...]:
    prefixes = []
    for name in ("wagtailadmin_home", "admin:index"):  # Django's admin, if ever mounted
        try:
            prefixes.append(reverse(name))
        except NoReverseMatch:
            continue
    return tuple(prefixes)


def is_admin_path(path: str) -> bool:
    return path.startswith(_admin_prefixes())


class SiteCSPMiddleware(CSPMiddleware):
    """django-csp's middleware, with the admin's own pair of policies under its prefix.

    A view's own decorator (``csp.decorators.csp`` …) still wins, as with django-csp."""

    def get_policy_parts(self, request, response, report_only: bool = False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only=report_only)
        if parts.config is None and is_admin_path(request.path):
            name = "ADMIN_CONTENT_SECURITY_POLICY"
            if report_only:
                name += "_REPORT_ONLY"
            policy = getattr(settings, name, None) or {}
            if policy:
                parts.config = default_config(policy.get("DIRECTIVES", {}))
            else:
                parts.config = {}  # no such header under the admin
        return parts


def nonce_in(request, text: str | bytes) -> str | None:
    """The request's nonce if this markup holds it (only a nonce already used can be)."""
    nonce = getattr(request, "csp_nonce", None)
    if not nonce:  # never asked for: nothing rendered holds it (django-csp's lazy object)
        return None
    nonce = str(nonce)
    needle = nonce.encode() if isinstance(text, bytes) else nonce
    return nonce if needle in text else None


def with_current_nonce(request, text, kept_nonce: str | None):
    """Kept markup with the nonce it was rendered with replaced by this request's."""
    if not kept_nonce or getattr(request, "csp_nonce", None) is None:
        return text
    current = str(request.csp_nonce)  # asks for one: the header will carry it
    if isinstance(text, bytes):
        return text.replace(kept_nonce.encode(), current.encode())
    return text.replace(kept_nonce, current)
