from django.shortcuts import render
from django.views.decorators.http import require_safe

from .services import search_guidance


@require_safe
def search(request):
    """Public: anyone can search the live, public guidance."""
    results = search_guidance(request.GET.get("q"), request.GET.get("page"))
    return render(request, "search/search.html", {"results": results})
