"""Quiz statistics for trainers in the Wagtail admin, as Moodle's quiz statistics report.

- "Quiz statistics" in the Reports menu: every quiz with its finished attempts and
  learners (`quizzes_statistics_index`).
- One quiz's statistics (`quizzes_statistics`, /admin/quizzes/<page id>/statistics/): the
  summary, each question's facility, spread, discrimination and choice counts (with the
  choice texts and the correct ones: trainers may see answers), and the rollup by indicator
  and domain; over each learner's first finished attempt (default) or all of them.
- Downloads of the same page: `?format=csv` (question statistics) and
  `?format=attempts-csv` (results: one row per attempt).
- A "Statistics" button on quiz pages in the page explorer and the page header.

Everything requires `quizzes.view_quiz_statistics` (Trainers, Editors, Administrators);
without it Wagtail's "permission denied" answer. Bad query parameters fall back to the
defaults with a notice; an unknown page, or a page that is not a quiz, is a 404.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import content_disposition_header, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail import hooks
from wagtail.admin.auth import permission_required
from wagtail.admin.menu import MenuItem
from wagtail.admin.paginator import WagtailPaginator
from wagtail.admin.widgets import Button

from . import reports
from .models import QuizPage
from .reports import ATTEMPTS_LABELS, AttemptsChoice
from .statistics import QUESTION_CSV_COLUMNS

PERMISSION = "quizzes.view_quiz_statistics"
INDEX_TEMPLATE = "quizzes/admin/statistics_index.html"
TEMPLATE = "quizzes/admin/statistics.html"
PER_PAGE = 50

FORMAT_HTML = "html"
FORMAT_CSV = "csv"  # question statistics
FORMAT_ATTEMPTS_CSV = "attempts-csv"  # results: one row per attempt
FORMATS = (FORMAT_HTML, FORMAT_CSV, FORMAT_ATTEMPTS_CSV)

# Header row of the question statistics CSV, by `statistics.QUESTION_CSV_COLUMNS` key.
QUESTION_CSV_HEADERS = {
    "question_id": gettext_lazy("Question ID"),
    "title": gettext_lazy("Question"),
    "responses": gettext_lazy("Responses"),
    "facility_index": gettext_lazy("Facility index (%)"),
    "standard_deviation": gettext_lazy("Standard deviation (%)"),
    "discrimination_index": gettext_lazy("Discrimination index (%)"),
    "unanswered": gettext_lazy("Left blank"),
    "choice_counts": gettext_lazy("Choice counts"),
}


def _attempts_csv_header() -> list[str]:
    zone = timezone.get_current_timezone_name()
    return [
        _("Learner"),
        _("E-mail"),
        _("Attempt"),
        _("Started (%(zone)s)") % {"zone": zone},
        _("Finished (%(zone)s)") % {"zone": zone},
        _("Percent"),
        _("Passed"),
    ]


def _csv_response(rows: Iterable[list[str]], filename: str) -> HttpResponse:
    # UTF-8 with a byte order mark: spreadsheets then read accented names correctly.
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerows(rows)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


# --- views ----------------------------------------------------------------------------------


@permission_required(PERMISSION)
def statistics_index_view(request):
    """Every quiz with its finished attempts and learners, 50 to a page."""
    paginator = WagtailPaginator(reports.quizzes_with_attempts(), PER_PAGE)
    page_obj = paginator.get_page(request.GET.get("p"))
    return TemplateResponse(
        request,
        INDEX_TEMPLATE,
        {
            "page_title": _("Quiz statistics"),
            "header_icon": "table",
            "page_obj": page_obj,
            "elided_page_range": paginator.get_elided_page_range(page_obj.number),
            "rows": reports.quiz_list_rows(page_obj.object_list),
        },
    )


@permission_required(PERMISSION)
def quiz_statistics_view(request, page_id: int):
    """One quiz's statistics: the page, or one of its two CSV files (`?format=`)."""
    quiz = get_object_or_404(QuizPage.objects.defer_streamfields(), pk=page_id)
    notices = []

    raw_attempts = request.GET.get("attempts") or AttemptsChoice.FIRST.value
    try:
        attempts = AttemptsChoice(raw_attempts)
    except ValueError:
        attempts = AttemptsChoice.FIRST
        notices.append(
            _("“%(value)s” is not a choice of attempts: showing the first attempt of each learner.")
            % {"value": raw_attempts[:40]}
        )
    fmt = request.GET.get("format") or FORMAT_HTML
    if fmt not in FORMATS:
        notices.append(
            _("“%(value)s” is not a format that can be downloaded: showing the page instead.")
            % {"value": fmt[:40]}
        )
        fmt = FORMAT_HTML

    stats = reports.quiz_statistics(quiz, attempts=attempts)
    if fmt == FORMAT_CSV:
        header = [str(QUESTION_CSV_HEADERS[key]) for key in QUESTION_CSV_COLUMNS]
        return _csv_response(stats.question_csv_rows(header), f"quiz-{quiz.pk}-statistics.csv")
    if fmt == FORMAT_ATTEMPTS_CSV:
        return _csv_response(
            reports.attempt_csv_rows(stats.attempts, _attempts_csv_header()),
            f"quiz-{quiz.pk}-attempts.csv",
        )

    def url(**params) -> str:
        return f"{request.path}?{urlencode({'attempts': attempts.value, **params})}"

    return TemplateResponse(
        request,
        TEMPLATE,
        {
            "page_title": _("Statistics: %(quiz)s") % {"quiz": quiz.title},
            "header_icon": "table",
            "quiz": quiz,
            "stats": stats,
            "notices": notices,
            "attempts_choices": [
                (choice.value, ATTEMPTS_LABELS[choice]) for choice in AttemptsChoice
            ],
            "attempts_label": ATTEMPTS_LABELS[attempts],
            "questions_csv_url": url(format=FORMAT_CSV),
            "attempts_csv_url": url(format=FORMAT_ATTEMPTS_CSV),
            "index_url": reverse("quizzes_statistics_index"),
        },
    )


# --- hooks ----------------------------------------------------------------------------------


@hooks.register("register_admin_urls")
def register_statistics_urls():
    return [
        path("quizzes/statistics/", statistics_index_view, name="quizzes_statistics_index"),
        path(
            "quizzes/<id:page_id>/statistics/",
            quiz_statistics_view,
            name="quizzes_statistics",
        ),
    ]


class StatisticsMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.has_perm(PERMISSION)


@hooks.register("register_reports_menu_item")
def register_statistics_menu_item():
    return StatisticsMenuItem(
        _("Quiz statistics"),
        reverse("quizzes_statistics_index"),
        name="quiz-statistics",
        icon_name="table",
        order=1300,
    )


def _statistics_button(page, user, priority: int) -> Button | None:
    if page.specific_class is not QuizPage or not user.has_perm(PERMISSION):
        return None
    return Button(
        _("Statistics"),
        reverse("quizzes_statistics", args=[page.pk]),
        icon_name="table",
        attrs={"title": _("Statistics and results of this quiz")},
        priority=priority,
    )


@hooks.register("register_page_header_buttons")
def page_header_statistics_button(page, user, view_name, next_url=None):
    if button := _statistics_button(page, user, priority=85):
        yield button


@hooks.register("register_page_listing_more_buttons")
def page_listing_statistics_button(page, user, next_url=None):
    if button := _statistics_button(page, user, priority=55):
        yield button
