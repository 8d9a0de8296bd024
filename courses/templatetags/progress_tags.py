"""`{% progress_bar fraction label %}`: a labelled <progress> with its figures in words;
`{% kept_for_learner %}`: markup kept per learner until their progress changes.

The dashboard draws one per module of every course, the course page one per module: as an
included template each cost a template context and a translation lookup of its own. The
markup is the same as the template it replaces; every value is escaped by format_html.
"""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext

from training_site.templatetags.site_tags import KeptNode, parse_kept

from ..progress_versions import kept_for_learner as kept_under_progress
from ..selectors import LEARNER_PROGRESS_TIMEOUT

register = template.Library()


class LearnerKeptNode(KeptNode):
    def keep(self, request, *key, build):
        user = getattr(request, "user", None)
        if not getattr(user, "is_authenticated", False):
            return build()  # a visitor's page is kept whole, if at all (page_cache)
        return kept_under_progress(user.pk, *key, build=build, timeout=LEARNER_PROGRESS_TIMEOUT)


@register.tag("kept_for_learner")
def kept_for_learner(parser, token):
    """`{% kept_for_learner "name" part … %}…{% endkept_for_learner %}`: as `{% kept %}`,
    and for a signed-in learner kept under their progress token too (renewed when they open
    or complete an item, enrol, leave, or are given or lose a certificate): for markup that
    shows their progress. Nothing per request (forms, tokens) may stand inside; for a
    visitor it is rendered each time (the whole page is kept for visitors where it can be:
    training_site.page_cache)."""
    return parse_kept(parser, token, LearnerKeptNode)


@register.simple_tag
def progress_bar(fraction, label, hide_label: bool = False):
    text = gettext("%(done)s of %(total)s done (%(percent)s%%)") % {
        "done": fraction.done,
        "total": fraction.total,
        "percent": fraction.percent,
    }
    shown = (
        ""
        if hide_label
        else format_html('<span class="progress-label" aria-hidden="true">{}</span> ', label)
    )
    return format_html(
        '<div class="progress">{}<progress max="{}" value="{}" aria-label="{}">{}%</progress> '
        '<span class="progress-text">{}</span></div>',
        shown,
        fraction.total,
        fraction.done,
        label,
        fraction.percent,
        text,
    )
