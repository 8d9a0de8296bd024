import posixpath

from django.conf import settings
from django.core.cache import caches
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe
from django.views.static import serve

from . import outage
from .health import check_all


# nosemgrep: migof-csrf-exempt -- GET/HEAD only, changes nothing; other methods get 405
@csrf_exempt  # so any other method gets a plain 405, not a CSRF 403
@never_cache
@require_safe
def healthz(request):
    """Public: 200 when every configured part answers, else 503 naming the failing parts.

    GET and HEAD only. The body names each part (database, cache, and the Celery broker
    when one is configured) with ``ok`` and a short detail, never a URL or a password.
    """
    parts = check_all()
    failing = [p.name for p in parts if not p.ok]
    body = {
        "status": "ok" if not failing else "fail",
        "failing": failing,
        "parts": {p.name: {"ok": p.ok, "detail": p.detail} for p in parts},
    }
    return JsonResponse(body, status=503 if failing else 200)


def page_not_found(request, exception=None):
    return render(request, "404.html", status=404)


def server_error(request):
    if outage.database_down():
        return outage.unavailable()  # 503, the site's page, no query (training_site/outage.py)
    return render(request, "500.html", status=500)


def bad_request(request, exception=None):
    return render(request, "400.html", status=400)


def permission_denied(request, exception=None):
    return render(request, "403.html", status=403)


def too_many_requests(request, exception=None):
    """allauth's rate limits (log-in, sign-up, password reset, cohort codes) answer with
    this (it reads ROOT_URLCONF.handler429): the site's page, in the visitor's language.
    While the cache that counts the attempts does not answer (training_site.redis_cache),
    allauth refuses every attempt: that is the site being unavailable, not the visitor
    trying too often, so they get the 503 page and Retry-After instead."""
    if not getattr(caches["default"], "answering", True):
        return outage.unavailable()
    return render(request, "429.html", status=429)


# Wagtail keeps documents under this folder of MEDIA_ROOT (Document.file's upload_to).
DOCUMENTS_FOLDER = "documents"


def development_media(request, path):
    """Uploaded images for the development server, or in production with SERVE_MEDIA (when
    nothing else publishes MEDIA_ROOT). Never a document: documents go through Wagtail's
    serve view only, which checks privacy and sends them as attachments that run nothing.
    The path is normalised first, so `images/../documents/…` is refused too."""
    if posixpath.normpath(path).lstrip("/").split("/")[0] == DOCUMENTS_FOLDER:
        raise Http404
    return serve(request, path, document_root=settings.MEDIA_ROOT)
