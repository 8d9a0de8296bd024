"""`{% progress_bar fraction label %}`: a labelled <progress> with its figures in words.

The dashboard draws one per module of every course, the course page one per module: as an
included template each cost a template context and a translation lookup of its own. The
markup is the same as the template it replaces; every value is escaped by format_html.
"""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext

register = template.Library()


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
