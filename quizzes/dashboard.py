"""The learner dashboard's "Mastery by indicator" section, added through the courses hook
``learner_dashboard_sections`` (courses never imports quizzes).

The section is handed over already rendered (``html``): the HTML is kept in the cache per
learner, language and host under the learner's answer token (quizzes.answer_versions,
renewed when they finish an attempt) and the site's content token (renewed when a page,
an indicator or anything else it names changes), so a dashboard shown again costs two
cache reads instead of a report and some fifty table rows to render (the report itself is
not kept: the HTML is). A deploy renews the content token (training_site.content_cache
.code_changed), so a changed template never serves the old markup; with DEBUG on nothing
rendered is kept.
"""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from wagtail import hooks

from training_site.content_cache import keeps_rendered_html, kept_under_token

from . import answer_versions, reports
from .mastery import DEVELOPING_AT, MASTERED_AT, MIN_QUESTIONS

TEMPLATE = "quizzes/includes/mastery_section.html"
STYLESHEET = "quizzes/mastery.css"
TIMEOUT = reports.MASTERY_TIMEOUT


@hooks.register("learner_dashboard_sections")
def mastery_section(request) -> dict | None:
    if not request.user.is_authenticated:
        return None
    return {"stylesheets": [STYLESHEET], "html": section_html(request)}


def section_html(request) -> SafeString:
    """The rendered section for the signed-in learner: from the cache, or rendered and kept
    there (rendered every time while the cache does not answer)."""
    if not keeps_rendered_html():
        return render_section(request)
    # Scheme and host: the indicator links start with the header's indicators URL, which is
    # absolute when the site is one of several.
    html = kept_under_token(
        answer_versions.KEY.format(user_id=request.user.pk),
        "mastery-section",
        request.scheme,
        request.get_host(),
        get_language(),
        request.user.pk,
        build=lambda: render_section(request),
        timeout=TIMEOUT,
    )
    # What is kept is render_section's output: the template's, escaped as it rendered.
    # nosemgrep: migof-mark-safe -- the kept text is render_section's template output, escaped
    return mark_safe(html)  # noqa: S308


def render_section(request) -> SafeString:
    """The section rendered from the learner's report (quizzes.reports.learner_mastery),
    built afresh: the HTML is what is kept, the report would only double it in the cache."""
    section = {
        "mastery": reports.learner_mastery(request.user, keep=False),
        "min_questions": MIN_QUESTIONS,
        "mastered_at": MASTERED_AT,
        "developing_at": DEVELOPING_AT,
    }
    return render_to_string(TEMPLATE, {"section": section}, request=request)
