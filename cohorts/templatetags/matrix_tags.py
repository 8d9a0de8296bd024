"""The progress matrix's body, written in Python.

At 100 trainees × 20 modules the matrix is thousands of cells; Django's template engine
spent most of the cohort page's time on them (bench/README.md). This tag writes the same
markup with plain string building, every value escaped with `training_site.markup.escape`
(the same five characters Django's `escape` replaces), and the same translated strings (the
msgids the template used, so the catalogues still apply).

Most cells repeat (a quiz not attempted, a module not started, the same score): within one
rendering each distinct cell and quiz is written once and its text reused, and each label is
translated once.
"""

from __future__ import annotations

from django import template
from django.template.defaultfilters import floatformat
from django.utils.formats import date_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import template_localtime
from django.utils.translation import gettext, ngettext

from training_site.markup import escape, percent

register = template.Library()


def _quiz(quiz) -> str:
    text = (
        f'<li class="quiz-{escape(quiz.state)}">'
        f'<span class="quiz-title">{escape(quiz.title)}:</span> '
    )
    if quiz.best_percent is not None:
        text += f"{escape(percent(floatformat(quiz.best_percent, '-1')))} · "
    text += escape(quiz.state_label)
    if quiz.attempts:
        label = ngettext("%(counter)s attempt", "%(counter)s attempts", quiz.attempts)
        text += f" · {escape(label % {'counter': quiz.attempts})}"
    return text + "</li>"


def _cell(cell, done: str, quiz_text) -> str:
    progress = cell.progress
    text = (
        f'<td class="matrix-cell{" matrix-cell--done" if progress.complete else ""}">'
        f'<span class="cell-progress">{int(progress.done)}/{int(progress.total)}</span>'
    )
    if progress.complete:
        text += f' <span class="cell-done">{done}</span>'
    if cell.quizzes:
        text += f' <ul class="cell-quizzes">{"".join(map(quiz_text, cell.quizzes))}</ul>'
    return text + "</td>\n"


class _Writer:
    """Writes rows, each distinct cell and quiz once (their text depends on nothing else)."""

    def __init__(self):
        self.done = escape(gettext("done"))
        self.never = escape(gettext("never"))
        self.quizzes: dict = {}
        self.cells: dict = {}
        self.percents: dict = {}
        self.badges: dict = {}
        self.days: dict = {}

    def quiz(self, quiz) -> str:
        key = (quiz.title, quiz.state, quiz.best_percent, quiz.attempts)
        text = self.quizzes.get(key)
        if text is None:
            text = self.quizzes[key] = _quiz(quiz)
        return text

    def cell(self, cell) -> str:
        key = (cell.progress.done, cell.progress.total, cell.quizzes)
        text = self.cells.get(key)
        if text is None:
            text = self.cells[key] = _cell(cell, self.done, self.quiz)
        return text

    def row(self, row) -> str:
        if row.last_activity:
            day = template_localtime(row.last_activity).date()
            activity = self.days.get(day)
            if activity is None:
                activity = self.days[day] = (
                    f'<time datetime="{escape(date_format(day, "Y-m-d"))}">'
                    f"{escape(date_format(day, 'j M Y'))}</time>"
                )
        else:
            activity = self.never
        statuses = row.statuses
        badges = self.badges.get(statuses)
        if badges is None:
            badges = self.badges[statuses] = "".join(
                f'<li class="badge badge-{escape(value)}">{escape(label)}</li> '
                for value, label in row.status_labels
            )
        done = self.percents.get(row.progress.percent)
        if done is None:
            done = self.percents[row.progress.percent] = escape(percent(row.progress.percent))
        cells = "".join(map(self.cell, row.cells))
        return (
            f'<tr>\n<th scope="row" class="matrix-trainee"><span class="trainee-name">'
            f"{escape(row.user.get_full_name())}</span> "
            f'<span class="trainee-email">{escape(row.user.email)}</span></th>\n'
            f'<td class="number">{done}</td>\n'
            f'<td><ul class="badges">{badges}</ul></td>\n<td>{activity}</td>\n{cells}</tr>\n'
        )


@register.simple_tag
def matrix_rows(rows) -> SafeString:
    """The <tr> of every row of the progress matrix (cohorts/includes/progress_matrix.html);
    every value in it went through `escape`."""
    # nosemgrep: migof-mark-safe -- every value in a row went through escape() in _Writer
    return mark_safe("".join(map(_Writer().row, rows)))  # noqa: S308
