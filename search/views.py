"""The guidance search page and its autocomplete: public, read-only, never a server error on
what a visitor types (search.query turns junk into defaults and messages)."""

from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from . import service
from .models import EntryKind
from .query import MAX_QUERY_LENGTH


@require_safe
def search(request):
    """Public: anyone can search the live, public guidance."""
    results = service.search_guidance(request.GET)
    # The autocomplete script names each suggestion's type from this (no inline script).
    kind_labels = dict(EntryKind.choices)
    return render(request, "search/search.html", {"results": results, "kind_labels": kind_labels})


@require_safe
@cache_control(private=True, max_age=60)
def suggest(request):
    """JSON for the search box: {"suggestions": [{"text", "url", "kind"}, ...]}."""
    prefix = request.GET.get("q", "")
    if service.is_too_long(prefix):
        return JsonResponse(
            {
                "suggestions": [],
                "error": _("Type at most %(count)s characters.") % {"count": MAX_QUERY_LENGTH},
            },
            status=400,
        )
    return JsonResponse({"suggestions": service.suggest(prefix)})
