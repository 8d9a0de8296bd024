"""Writing to the question bank: importing a parsed file, exporting questions."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from bs4 import BeautifulSoup
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils.html import linebreaks, strip_tags
from django.utils.translation import gettext as _
from wagtail.admin.rich_text.converters.contentstate import ContentstateConverter
from wagtail.log_actions import log

from framework_content.models import Indicator
from quizzes.formats import gift
from quizzes.formats._common import looks_like_html
from quizzes.formats.gift import write_gift
from quizzes.formats.moodle_xml import write_moodle_xml
from quizzes.formats.report import ImportReport
from quizzes.models import (
    STEM_FEATURES,
    AcceptedAnswer,
    Question,
    QuestionChoice,
    QuestionMatchPair,
)
from quizzes.questions import QuestionData, QuestionKind

if TYPE_CHECKING:
    from framework_content.models import FrameworkElementPage

EXPORT_FORMATS = ("gift", "xml")
_KEY_NUMBER = re.compile(r"^[cm](\d+)$")


class ImportRefused(Exception):
    """Nothing was saved. `problems` lists (question index, reason); index 0 = the file."""

    def __init__(self, problems: list[tuple[int, str]]):
        self.problems = problems
        super().__init__("; ".join(f"#{index}: {reason}" for index, reason in problems))


def indicators_for(report: ImportReport, default_indicators: Iterable[Indicator]):
    """{question index: indicators}: its tags that are indicator ref ids, else the defaults."""
    tags = {tag for item in report.accepted for tag in item.question.tags}
    by_ref_id = {i.ref_id: i for i in Indicator.objects.filter(ref_id__in=tags)}
    defaults = list(default_indicators)
    return {
        item.index: [by_ref_id[t] for t in item.question.tags if t in by_ref_id] or defaults
        for item in report.accepted
    }


def _rich_text(text: str) -> str:
    """Imported text as the admin editor would store it: only the stem's features survive.

    The markup is made well-formed first (`<br>` written `<br/>`, unclosed tags closed):
    Wagtail's converter fails on anything else, here and when the question is edited.
    """
    markup = text if looks_like_html(text) else linebreaks(text, autoescape=True)
    markup = str(BeautifulSoup(markup, "html.parser"))
    converter = ContentstateConverter(features=STEM_FEATURES)
    return converter.to_database_format(converter.from_database_format(markup))


def _plain(text: str) -> str:
    return html.unescape(strip_tags(text)).strip() if looks_like_html(text) else text.strip()


def _build(data: QuestionData, *, language: str) -> Question:
    question = Question(
        title=(data.title or _plain(data.stem))[:255] or "-",
        kind=data.kind.value,
        stem=_rich_text(data.stem),
        explanation=_plain(data.explanation),
        partial_credit=data.partial_credit.value,
        case_sensitive=data.case_sensitive,
        points=Decimal(str(data.points)).quantize(Decimal("0.01")),
        language=language,
    )
    question.choices = [
        QuestionChoice(
            key=c.key, text=_plain(c.text), correct=c.correct, feedback=_plain(c.feedback)
        )
        for c in data.choices
    ]
    question.pairs = [
        QuestionMatchPair(key=p.key, prompt=_plain(p.prompt), answer=_plain(p.answer))
        for p in data.pairs
    ]
    question.accepted_answers = [AcceptedAnswer(text=a) for a in data.accepted_answers]
    keys = [*(c.key for c in data.choices), *(p.key for p in data.pairs)]
    question.last_key_number = max(
        [0, *(int(m.group(1)) for k in keys if (m := _KEY_NUMBER.match(k)))]
    )
    return question


@transaction.atomic
def import_questions(
    *,
    report: ImportReport,
    default_indicators: list[Indicator],
    user,
    allow_partial: bool = False,
    language: str = "en",
) -> list[Question]:
    """Save the report's accepted questions, all or nothing, each with a first revision.

    Refused (`ImportRefused`, nothing written) when the report rejected anything and
    `allow_partial` is off, when nothing was accepted, or when any question is invalid or
    ends up with no indicator.
    """
    if report.rejected and not allow_partial:
        raise ImportRefused([(item.index, item.error) for item in report.rejected])
    if not report.accepted:
        raise ImportRefused([(0, _("No question to import."))])
    indicators = indicators_for(report, default_indicators)
    problems: list[tuple[int, str]] = []
    built: list[Question] = []
    for item in report.accepted:
        if not indicators[item.index]:
            problems.append((item.index, _("No indicator: tag it or choose default indicators.")))
            continue
        question = _build(item.question, language=language)
        question.indicators = indicators[item.index]
        try:
            question.full_clean()
        except ValidationError as error:
            problems.append((item.index, " ".join(error.messages)))
            continue
        built.append(question)
    if problems:
        raise ImportRefused(problems)
    for question in built:
        question.save()
        revision = question.save_revision(user=user, clean=False)
        log(question, "wagtail.create", user=user, revision=revision, content_changed=True)
    return built


def export_questions(questions: Iterable[Question], fmt: str) -> bytes:
    """The questions as a GIFT (UTF-8) or Moodle XML file."""
    return export_questions_data([question.to_data() for question in questions], fmt)


def export_questions_data(data: list[QuestionData], fmt: str) -> bytes:
    """Questions as plain data written as a GIFT (UTF-8) or Moodle XML file."""
    if fmt == "gift":
        return write_gift(data).encode("utf-8")
    if fmt == "xml":
        return write_moodle_xml(data)
    raise ValueError(f"Unknown export format {fmt!r}; use one of {EXPORT_FORMATS}.")


@dataclass(frozen=True)
class ExportFilters:
    """Which questions to export. Each filter left empty lets every question through; a
    question must pass every filter given, and any one of a filter's values will do."""

    ids: tuple[int, ...] = ()
    indicators: tuple[Indicator, ...] = ()
    elements: tuple[FrameworkElementPage, ...] = ()
    kinds: tuple[str, ...] = ()
    difficulties: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()


def questions_for_export(filters: ExportFilters) -> QuerySet[Question]:
    """The questions the filters select, by title, with everything `to_data` reads
    prefetched: a fixed number of queries whatever their number."""
    questions = Question.objects.order_by("title", "pk").prefetch_related(
        "choices", "pairs", "accepted_answers", "indicators"
    )
    if filters.ids:
        questions = questions.filter(pk__in=filters.ids)
    if filters.kinds:
        questions = questions.filter(kind__in=filters.kinds)
    if filters.difficulties:
        questions = questions.filter(difficulty__in=filters.difficulties)
    if filters.languages:
        questions = questions.filter(language__in=filters.languages)
    # Through subqueries, not joins: a question filed under two of the chosen indicators
    # is still one row.
    if filters.indicators:
        through = Question.indicators.through.objects.filter(indicator__in=filters.indicators)
        questions = questions.filter(pk__in=through.values("question_id"))
    if filters.elements:
        through = Question.migof_elements.through.objects.filter(
            frameworkelementpage__in=filters.elements
        )
        questions = questions.filter(pk__in=through.values("question_id"))
    return questions


@dataclass(frozen=True)
class ExportPlan:
    """What a file in `fmt` would hold: `included` (as `data`), and `left_out` with why."""

    fmt: str
    included: list[Question]
    data: list[QuestionData]
    left_out: list[tuple[Question, str]]

    def content(self) -> bytes:
        """The file: the included questions only."""
        return export_questions_data(self.data, self.fmt)


def _export_problem(data: QuestionData, fmt: str) -> str | None:
    """Why `fmt` cannot express the question, or None."""
    if fmt == "gift" and data.kind not in gift.KINDS:
        if data.kind == QuestionKind.ORDERING:
            return _("GIFT has no ordering questions: export it to Moodle XML.")
        return _("GIFT has no questions of this kind: export it to Moodle XML.")
    try:
        export_questions_data([data], fmt)
    except ValueError as error:  # e.g. a GIFT matching prompt with "->"
        return str(error)
    return None


def plan_export(questions: Iterable[Question], fmt: str) -> ExportPlan:
    """Split the questions into those a `fmt` file can hold and those it cannot (why)."""
    if fmt not in EXPORT_FORMATS:
        raise ValueError(f"Unknown export format {fmt!r}; use one of {EXPORT_FORMATS}.")
    included: list[Question] = []
    data: list[QuestionData] = []
    left_out: list[tuple[Question, str]] = []
    for question in questions:
        question_data = question.to_data()
        problem = _export_problem(question_data, fmt)
        if problem is None:
            included.append(question)
            data.append(question_data)
        else:
            left_out.append((question, problem))
    return ExportPlan(fmt=fmt, included=included, data=data, left_out=left_out)
