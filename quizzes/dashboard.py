"""The learner dashboard's "Mastery by indicator" section, added through the courses hook
``learner_dashboard_sections`` (courses never imports quizzes)."""

from __future__ import annotations

from wagtail import hooks

from . import reports
from .mastery import DEVELOPING_AT, MASTERED_AT, MIN_QUESTIONS

TEMPLATE = "quizzes/includes/mastery_section.html"
STYLESHEET = "quizzes/mastery.css"


@hooks.register("learner_dashboard_sections")
def mastery_section(request) -> dict | None:
    if not request.user.is_authenticated:
        return None
    return {
        "template": TEMPLATE,
        "stylesheets": [STYLESHEET],
        "mastery": reports.learner_mastery(request.user),
        "min_questions": MIN_QUESTIONS,
        "mastered_at": MASTERED_AT,
        "developing_at": DEVELOPING_AT,
    }
