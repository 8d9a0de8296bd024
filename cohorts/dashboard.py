"""The learner dashboard's "My cohorts" section, added through the courses hook
``learner_dashboard_sections`` (courses never imports cohorts): the cohorts the learner
belongs to, and where to enter a cohort code.

The section is handed over rendered (``html``) and kept per learner, language and host under
the learner's cohorts token (cohorts.learner_versions: renewed when they join or leave a
cohort, or one of their cohorts or its trainers change) and the content token (the course
titles and links): a dashboard shown again reads no membership.
"""

from __future__ import annotations

from django.db.models import Prefetch
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from wagtail import hooks

from accounts.models import User
from training_site.content_cache import keeps_rendered_html, kept_under_token

from .learner_versions import cohorts_key
from .models import Membership

TEMPLATE = "cohorts/includes/dashboard_section.html"
TIMEOUT = 24 * 60 * 60  # an entry nobody reads again goes within a day


@hooks.register("learner_dashboard_sections", order=-1)
def cohorts_section(request) -> dict | None:
    if not request.user.is_authenticated:
        return None
    return {"stylesheets": [], "html": section_html(request)}


def section_html(request) -> SafeString:
    if not keeps_rendered_html():
        return render_section(request)
    html = kept_under_token(
        cohorts_key(request.user.pk),
        "cohorts-section",
        request.scheme,
        request.get_host(),
        get_language(),
        request.user.pk,
        build=lambda: render_section(request),
        timeout=TIMEOUT,
    )
    # nosemgrep: migof-mark-safe -- the kept text is render_section's template output, escaped
    return mark_safe(html)  # noqa: S308


def render_section(request) -> SafeString:
    memberships = list(
        Membership.objects.filter(user=request.user)
        .select_related("cohort__course")
        .prefetch_related(
            Prefetch(
                "cohort__trainers",
                queryset=User.objects.only("full_name", "email").order_by("full_name"),
            )
        )
        .order_by("-cohort__starts_on")
    )
    return render_to_string(TEMPLATE, {"section": {"memberships": memberships}}, request=request)
