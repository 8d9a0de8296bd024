"""The dashboard's mastery table rows, written in Python.

A learner assessed on most indicators has some forty rows; the template's loop over them
was most of the section's rendering (about 10 ms), paid on each learner's first dashboard
after a publish or an attempt (the rendered section is kept until then: quizzes.dashboard).
The same markup as the loop it replaces, every value escaped (`training_site.markup`), the
same msgid for the percent, so the catalogues still apply.
"""

from __future__ import annotations

from collections.abc import Iterable

from django import template
from django.utils.formats import localize
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from training_site.markup import escape, percent

from ..reports import MasteryRow

register = template.Library()


def _indicator_url(indicators_url: str, indicator) -> str:
    return f"{indicators_url}{indicator.domain.framework.slug}/{indicator.slug}/"


@register.simple_tag
def mastery_indicator_rows(rows: Iterable[MasteryRow], indicators_url: str) -> SafeString:
    """One <tr> per indicator: its link and framework, domain, questions, percent with its
    bar, level."""
    written = []
    for row in rows:
        indicator = row.obj
        domain = indicator.domain
        framework = domain.framework
        url = _indicator_url(indicators_url, indicator)
        written.append(  # each row on a line of its own, as the template's loop wrote them
            f'\n<tr><th scope="row"><a href="{escape(url)}">'
            f"{escape(indicator.code)} {escape(indicator.title)}</a> "
            f'<span class="card-meta">({escape(framework.short_title)})</span></th>'
            f"<td>{escape(domain.code)} {escape(domain.title)}</td>"
            f"<td>{escape(localize(row.questions))}</td>"
            f'<td class="mastery-percent">{escape(percent(row.percent))}'
            f'<span class="mastery-bar mastery-bar--{escape(row.level)}" aria-hidden="true">'
            f'<span class="mastery-bar__fill mastery-w{int(row.bar_width)}"></span></span></td>'
            f"<td>{escape(row.level_label)}</td></tr>"
        )
    return _joined(written)


@register.simple_tag
def mastery_domain_rows(rows: Iterable[MasteryRow]) -> SafeString:
    """One <tr> per domain: code and title, framework, questions, percent, level."""
    return _joined(
        f'\n<tr><th scope="row">{escape(row.obj.code)} {escape(row.obj.title)}</th>'
        f"<td>{escape(row.obj.framework.short_title)}</td>"
        f"<td>{escape(localize(row.questions))}</td>"
        f'<td class="mastery-percent">{escape(percent(row.percent))}</td>'
        f"<td>{escape(row.level_label)}</td></tr>"
        for row in rows
    )


@register.simple_tag
def mastery_also_weak_items(rows: Iterable[MasteryRow], indicators_url: str) -> SafeString:
    """One <li> per weak indicator beyond the weakest few: its link, framework, percent
    and level."""
    written = []
    for row in rows:
        indicator = row.obj
        framework = indicator.domain.framework
        url = _indicator_url(indicators_url, indicator)
        # The translated text as the template's blocktranslate gives it: each value
        # escaped, the catalogue's text as it is.
        meta = gettext("%(framework)s · %(percent)s%% · %(level)s") % {
            "framework": escape(framework.short_title),
            "percent": escape(localize(row.percent)),
            "level": escape(row.level_label),
        }
        written.append(
            f'\n<li><a href="{escape(url)}">{escape(indicator.code)} {escape(indicator.title)}'
            f'</a> <span class="card-meta">{meta}</span></li>'
        )
    return _joined(written)


def _joined(parts: Iterable[str]) -> SafeString:
    # Every value in the parts went through escape(); the rest is this module's own markup
    # and the catalogues' texts, as the template's blocktranslate writes them.
    # nosemgrep: migof-mark-safe -- each value escaped where the parts are written
    return mark_safe("".join(parts))  # noqa: S308
