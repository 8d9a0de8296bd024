"""The progress matrix's body, written in Python.

At 100 trainees × 20 modules the matrix is thousands of cells; Django's template engine
spent most of the cohort page's time on them (bench/README.md). This tag writes the same
markup with plain string building, every value escaped with `escape` below (the same five
characters Django's `escape` replaces), and the same translated strings (the msgids the
template used, so the catalogues still apply).
"""

from __future__ import annotations

import html

from django import template
from django.template.defaultfilters import floatformat
from django.utils.formats import date_format, localize
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import template_localtime
from django.utils.translation import gettext, ngettext

register = template.Library()


def escape(value) -> str:
    """& < > " ' as entities, like django.utils.html.escape (which is slower per call)."""
    return html.escape(str(value), quote=True)


def _percent(value) -> str:
    return gettext("%(percent)s%%") % {"percent": localize(value)}


def _quiz(quiz) -> str:
    text = (
        f'<li class="quiz-{escape(quiz.state)}">'
        f'<span class="quiz-title">{escape(quiz.title)}:</span> '
    )
    if quiz.best_percent is not None:
        text += f"{escape(_percent(floatformat(quiz.best_percent, '-1')))} · "
    text += escape(quiz.state_label)
    if quiz.attempts:
        label = ngettext("%(counter)s attempt", "%(counter)s attempts", quiz.attempts)
        text += f" · {escape(label % {'counter': quiz.attempts})}"
    return text + "</li>"


def _cell(cell, done: str) -> str:
    progress = cell.progress
    text = (
        f'<td class="matrix-cell{" matrix-cell--done" if progress.complete else ""}">'
        f'<span class="cell-progress">{int(progress.done)}/{int(progress.total)}</span>'
    )
    if progress.complete:
        text += f' <span class="cell-done">{done}</span>'
    if cell.quizzes:
        text += f' <ul class="cell-quizzes">{"".join(map(_quiz, cell.quizzes))}</ul>'
    return text + "</td>\n"


def _row(row, done: str, never: str) -> str:
    if row.last_activity:
        local = template_localtime(row.last_activity)
        activity = (
            f'<time datetime="{escape(date_format(local, "Y-m-d"))}">'
            f"{escape(date_format(local, 'j M Y'))}</time>"
        )
    else:
        activity = never
    badges = "".join(
        f'<li class="badge badge-{escape(value)}">{escape(label)}</li> '
        for value, label in row.status_labels
    )
    cells = "".join(_cell(cell, done) for cell in row.cells)
    return (
        f'<tr>\n<th scope="row" class="matrix-trainee"><span class="trainee-name">'
        f"{escape(row.user.get_full_name())}</span> "
        f'<span class="trainee-email">{escape(row.user.email)}</span></th>\n'
        f'<td class="number">{escape(_percent(row.progress.percent))}</td>\n'
        f'<td><ul class="badges">{badges}</ul></td>\n<td>{activity}</td>\n{cells}</tr>\n'
    )


@register.simple_tag
def matrix_rows(rows) -> SafeString:
    """The <tr> of every row of the progress matrix (cohorts/includes/progress_matrix.html);
    every value in it went through `escape`."""
    done, never = escape(gettext("done")), escape(gettext("never"))
    return mark_safe("".join(_row(row, done, never) for row in rows))  # noqa: S308
