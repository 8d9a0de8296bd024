"""The cohort page (the trainer follows each trainee) and one quiz's statistics over the
cohort's trainees.

Both are wrapped by ``access.workspace_view`` and read the cohort through
``access.cohort_for`` (another trainer's cohort is a 404). Query parameters that are not
understood are ignored with a notice on the page, never an error.
"""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from quizzes.mastery import DEVELOPING_AT, MASTERED_AT, MIN_QUESTIONS
from quizzes.reports import ATTEMPTS_LABELS, LEVEL_LABELS, AttemptsChoice

from . import access, followup, selectors
from .models import ExportFormat


def _ignored_notice(name: str, value: str) -> str:
    if name == "sort":
        return _("“%(value)s” is not a way to sort the trainees: sorted by name instead.") % {
            "value": value
        }
    if name == "order":
        return _("“%(value)s” is not a sort order: ascending order is used instead.") % {
            "value": value
        }
    if name == "status":
        return _("“%(value)s” is not a status to filter on: showing every trainee.") % {
            "value": value
        }
    return _("“%(value)s” was ignored.") % {"value": value}


@require_safe
@access.workspace_view
def detail(request, cohort_id: int):
    cohort = access.cohort_for(request.user, cohort_id)
    page = selectors.cohort_page(cohort, request.GET)
    query = page.query
    kept = {}  # the filter as understood, carried by the column headers' sort links
    if query.status != selectors.StatusFilter.ALL:
        kept["status"] = query.status.value
    if query.search:
        kept["q"] = query.search
    sort_columns = {
        key.value: {
            "aria_sort": query.aria_sort(key),
            "url": "?" + urlencode({**kept, "sort": key.value, "order": query.next_order(key)}),
        }
        for key in selectors.SortKey
    }
    return render(
        request,
        "cohorts/cohort_detail.html",
        {
            "cohort": cohort,
            "cohort_page": page,
            "matrix": page.matrix,
            "rows": page.rows,
            "query": query,
            "notices": [_ignored_notice(name, value) for name, value in query.ignored],
            "sort_columns": sort_columns,
            "sort_choices": [(k.value, label) for k, label in selectors.SORT_LABELS.items()],
            "order_choices": [(k.value, label) for k, label in selectors.ORDER_LABELS.items()],
            "status_choices": [
                (k.value, label) for k, label in selectors.STATUS_FILTER_LABELS.items()
            ],
            "join_url": request.build_absolute_uri(
                reverse("cohorts:join", args=[cohort.join_code])
            ),
            "export_formats": ExportFormat.choices,
            "behind_margin": followup.BEHIND_MARGIN,
            "inactive_days": followup.INACTIVE_DAYS,
            "reliable_from": selectors.RELIABLE_FROM,
            "mastered_at": MASTERED_AT,
            "developing_at": DEVELOPING_AT,
            "min_questions": MIN_QUESTIONS,
            "level_labels": {level.value: label for level, label in LEVEL_LABELS.items()},
        },
    )


@require_safe
@access.workspace_view
def quiz_statistics(request, cohort_id: int, quiz_id: int):
    cohort = access.cohort_for(request.user, cohort_id)
    notices = []
    raw = (request.GET.get("attempts") or "").strip() or AttemptsChoice.FIRST.value
    try:
        attempts = AttemptsChoice(raw)
    except ValueError:
        attempts = AttemptsChoice.FIRST
        notices.append(
            _("“%(value)s” is not a choice of attempts: showing the first attempt of each trainee.")
            % {"value": raw[:40]}
        )
    found = selectors.cohort_quiz_statistics(cohort, quiz_id, attempts=attempts)
    if found is None:
        raise Http404(_("This quiz is not part of the cohort's course."))
    return render(
        request,
        "cohorts/cohort_quiz_statistics.html",
        {
            "cohort": cohort,
            "found": found,
            "stats": found.stats,
            "quiz": found.quiz,
            "notices": notices,
            "attempts_choices": [(c.value, ATTEMPTS_LABELS[c]) for c in AttemptsChoice],
            "attempts_label": ATTEMPTS_LABELS[attempts],
            "reliable_from": selectors.RELIABLE_FROM,
        },
    )
