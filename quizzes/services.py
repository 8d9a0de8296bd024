"""Writing to the question bank: importing a parsed file, exporting questions."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.html import linebreaks, strip_tags
from django.utils.translation import gettext as _
from wagtail.admin.rich_text.converters.contentstate import ContentstateConverter
from wagtail.log_actions import log

from framework_content.models import Indicator
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
from quizzes.questions import QuestionData

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
    """Imported text as the admin editor would store it: only the stem's features survive."""
    if not looks_like_html(text):
        return linebreaks(text, autoescape=True)
    converter = ContentstateConverter(features=STEM_FEATURES)
    return converter.to_database_format(converter.from_database_format(text))


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
    data = [question.to_data() for question in questions]
    if fmt == "gift":
        return write_gift(data).encode("utf-8")
    if fmt == "xml":
        return write_moodle_xml(data)
    raise ValueError(f"Unknown export format {fmt!r}; use one of {EXPORT_FORMATS}.")
