"""Reads for the quiz reports: a learner's mastery by indicator (dashboard), many learners'
mastery at once (a cohort, in the trainer workspace) and a quiz's item analysis (trainers,
in the admin, or restricted to one cohort's trainees in the workspace).

Selectors: each reads the rows it needs in a fixed number of queries, whatever the number
of attempts, questions or indicators, hands plain records to the pure functions
(`quizzes.mastery`, `quizzes.statistics`) and returns dataclasses ready to display.
No request here; views parse the input and render.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from django.core.exceptions import FieldDoesNotExist
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.db.models.fields.json import KT
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from wagtail.models import Page

from framework_content.models import Indicator, IndicatorDomain
from training_site.content_cache import (
    cached_many,
    content_version,
    kept_under_token,
    remember_many,
)

from . import answer_versions
from .answers import is_answered
from .choices import AttemptState, QuestionKindChoices
from .mastery import GradedAnswer, Level, Mastery, MasteryReport, mastery
from .models import Attempt, AttemptQuestion, QuizPage
from .questions import SELECT_KINDS
from .statistics import (
    AttemptRecord,
    GroupStatistics,
    QuestionStatistics,
    QuizSummary,
    ResponseRecord,
    question_csv_rows,
    question_statistics,
    quiz_summary,
    rollup,
    text_cell,
)

LEVEL_LABELS = {
    Level.MASTERED: gettext_lazy("Mastered"),
    Level.DEVELOPING: gettext_lazy("Developing"),
    Level.NEEDS_WORK: gettext_lazy("Needs work"),
    Level.NOT_ENOUGH_EVIDENCE: gettext_lazy("Not enough evidence yet"),
}

# The content a weak indicator links to: reverse relations of Indicator to page models
# (ModulePage, LessonPage, CaseStudyPage), with their headings. A relation that does not
# exist (an app not installed) is skipped.
STUDY_RELATIONS = (
    ("modules", gettext_lazy("Modules")),
    ("lessons", gettext_lazy("Lessons")),
    ("case_studies", gettext_lazy("Case studies")),
)


# --- a learner's mastery ------------------------------------------------------------------


@dataclass(frozen=True)
class MasteryRow:
    """One indicator or domain with the learner's mastery of it."""

    obj: Indicator | IndicatorDomain
    mastery: Mastery

    @property
    def percent(self) -> int:
        return self.mastery.percent

    @property
    def questions(self) -> int:
        return self.mastery.questions

    @property
    def level(self) -> str:
        return self.mastery.level.value

    @property
    def level_label(self) -> str:
        return str(LEVEL_LABELS[self.mastery.level])

    @property
    def is_weak(self) -> bool:
        return self.mastery.is_weak

    @property
    def bar_width(self) -> int:
        """The percent as a chart bar's width, within 0..100."""
        return max(0, min(100, self.percent))


@dataclass(frozen=True)
class StudyLink:
    title: str
    url: str


@dataclass(frozen=True)
class StudyGroup:
    heading: str
    links: tuple[StudyLink, ...]  # the first STUDY_LINKS_PER_KIND, in tree order
    more: int = 0  # how many more are tagged (all are listed on the indicator's page)


@dataclass(frozen=True)
class WeakIndicator:
    row: MasteryRow
    groups: tuple[StudyGroup, ...]  # only the kinds with at least one link

    @property
    def indicator(self) -> Indicator:
        return self.row.obj  # type: ignore[return-value]


@dataclass(frozen=True)
class LearnerMastery:
    indicators: tuple[MasteryRow, ...] = ()  # in the frameworks' order
    domains: tuple[MasteryRow, ...] = ()  # in the frameworks' order
    weak: tuple[WeakIndicator, ...] = ()  # the STUDY_WEAKEST weakest, weakest first
    also_weak: tuple[MasteryRow, ...] = ()  # the other weak indicators, weakest first

    @property
    def has_evidence(self) -> bool:
        return bool(self.indicators)


def _graded_answers_by_user(
    rows: Iterable[tuple[int, int | None, list | None, Decimal, Decimal, datetime | None]],
) -> dict[int, list[GradedAnswer]]:
    """Rows of (user id, question id, snapshotted indicator ids, score, max score, finished
    at), oldest first, as each user's graded answers.

    A question deleted from the bank keeps its answers counted: each such row gets its own
    negative id, since nothing else ties it to the same question in another attempt.
    """
    synthetic = itertools.count(-1, -1)
    answers: dict[int, list[GradedAnswer]] = {}
    for user_id, question_id, indicator_ids, score, max_score, finished_at in rows:
        if finished_at is None:
            continue
        answers.setdefault(user_id, []).append(
            GradedAnswer(
                question_id=question_id if question_id is not None else next(synthetic),
                indicator_ids=tuple(int(i) for i in indicator_ids or ()),
                score=float(score),
                max_score=float(max_score),
                answered_at=finished_at,
            )
        )
    return answers


def _graded_rows(**filters) -> QuerySet:
    """Graded answers from finished attempts, oldest first (one query)."""
    return (
        AttemptQuestion.objects.filter(attempt__state=AttemptState.FINISHED, **filters)
        .exclude(score=None)
        .exclude(max_score=None)
        .order_by("attempt__finished_at", "attempt_id", "position")
        .values_list(
            "attempt__user_id",
            "question_id",
            "snapshot__indicator_ids",
            "score",
            "max_score",
            "attempt__finished_at",
        )
    )


def _graded_answers(user) -> list[GradedAnswer]:
    """The graded answers the learner may know of (one query): from finished attempts
    whose results their quiz's review has released, at quizzes whose review shows the
    score or whether each answer was right. A quiz that never shows either keeps its
    marks from the learner's own mastery too. (Trainers' reports count every attempt.)"""
    rows = _graded_rows(attempt__user=user, attempt__released_at__isnull=False).filter(
        Q(attempt__quiz__review_score=True) | Q(attempt__quiz__review_correctness=True)
    )
    return _graded_answers_by_user(rows).get(user.pk, [])


def mastery_by_user(
    user_ids: Iterable[int], *, quiz_ids: Iterable[int] | None = None
) -> dict[int, MasteryReport]:
    """Each user's mastery by indicator and domain, by the rules of `quizzes.mastery`
    (the learner dashboard's figures), for many users: each user's report is cached under
    their answers' token (quizzes.answer_versions) until they finish another attempt; the
    users not cached cost two queries, their graded answers and the domains of the
    indicators those answers are tagged with.

    `quiz_ids`: when given, only answers in attempts at these quizzes count.
    Users without a graded answer are left out of the result.
    """
    user_ids = list(dict.fromkeys(user_ids))
    quiz_ids = sorted(set(quiz_ids)) if quiz_ids is not None else None
    tokens = answer_versions.answer_tokens(user_ids)
    version = content_version()  # the indicators' domains are content
    if not user_ids or tokens is None or version is None:
        return _mastery_by_user(user_ids, quiz_ids) if user_ids else {}
    scope = "all" if quiz_ids is None else hashlib.sha256(repr(quiz_ids).encode()).hexdigest()
    return remember_many(
        {u: f"mastery:{version}:{scope}:{u}:{tokens[u]}" for u in user_ids},
        lambda missing: _mastery_by_user(missing, quiz_ids),
        MASTERY_TIMEOUT,
    )


MASTERY_TIMEOUT = 24 * 60 * 60


def _mastery_by_user(user_ids: list[int], quiz_ids: list[int] | None) -> dict[int, MasteryReport]:
    filters: dict[str, object] = {"attempt__user_id__in": user_ids}
    if quiz_ids is not None:
        filters["attempt__quiz_id__in"] = list(quiz_ids)
    answers = _graded_answers_by_user(_graded_rows(**filters))
    indicator_ids = {pk for found in answers.values() for a in found for pk in a.indicator_ids}
    domain_of = (
        dict(Indicator.objects.filter(pk__in=indicator_ids).values_list("pk", "domain_id"))
        if indicator_ids
        else {}
    )
    return {user_id: mastery(found, domain_of=domain_of) for user_id, found in answers.items()}


STUDY_LINKS_PER_KIND = 5
# Study links are looked up for this many of the weak indicators, the weakest first; the
# others are only named (their pages list everything tagged with them).
STUDY_WEAKEST = 5


def _study_links(indicator_ids: list[int]) -> dict[int, list[StudyGroup]]:
    """Live, public pages tagged with each indicator, by kind, at most STUDY_LINKS_PER_KIND
    of each (cached per indicator and language until the content changes)."""
    if not indicator_ids:
        return {}
    return cached_many(f"study-links-{get_language()}", indicator_ids, _build_study_links)


def _build_study_links(indicator_ids: list[int]) -> dict[int, list[StudyGroup]]:
    """One query per kind, plus one for the private sections."""
    private = Page.objects.private_q()  # read once, shared by the kinds below
    found: dict[int, list[StudyGroup]] = {pk: [] for pk in indicator_ids}
    for relation, heading in STUDY_RELATIONS:
        try:
            model = Indicator._meta.get_field(relation).related_model
        except FieldDoesNotExist:
            continue
        pages = (
            model.objects.live()
            .exclude(private)
            .filter(indicators__in=indicator_ids)
            .annotate(tagged_indicator=F("indicators"))  # reuses the filter's join
            .defer_streamfields()
            .order_by("path")
        )
        by_indicator: dict[int, list[StudyLink]] = {}
        for page in pages:
            url = page.url
            if url:
                by_indicator.setdefault(page.tagged_indicator, []).append(
                    StudyLink(page.title, url)
                )
        for pk, links in by_indicator.items():
            shown = tuple(links[:STUDY_LINKS_PER_KIND])
            found[pk].append(StudyGroup(str(heading), shown, more=len(links) - len(shown)))
    return found


def learner_mastery(user, *, keep: bool = True) -> LearnerMastery:
    """The learner's mastery of each indicator and domain, and study material for the
    STUDY_WEAKEST weakest indicators: cached until they finish another attempt or the
    content changes; else at most 6 queries, whatever the number of attempts or indicators.

    keep=False: built without looking in the cache or keeping it there, for a caller that
    keeps what it makes of it (the dashboard keeps the rendered section, under the same
    tokens)."""
    if not keep:
        return _learner_mastery(user)
    # "v2": `weak` holds only the weakest few since `also_weak` came in.
    return kept_under_token(
        answer_versions.KEY.format(user_id=user.pk),
        "learner-mastery-v2",
        get_language(),
        user.pk,
        build=lambda: _learner_mastery(user),
        timeout=MASTERY_TIMEOUT,
    )


def _kept_indicators(indicator_ids: set[int]) -> list[Indicator]:
    """The indicators with their domain and framework, in Indicator's order: kept until the
    content changes (one query for those not kept), so a learner's section rebuilt after a
    publish reads only their answers."""
    found = cached_many("mastery-indicator", indicator_ids, _indicators)
    return sorted(
        found.values(),
        key=lambda i: (i.domain.framework.sort_order, i.domain.sort_order, i.sort_order, i.pk),
    )


def _learner_mastery(user) -> LearnerMastery:
    answers = _graded_answers(user)
    if not answers:
        return LearnerMastery()
    indicators = _kept_indicators({pk for answer in answers for pk in answer.indicator_ids})
    domain_of = {indicator.pk: indicator.domain_id for indicator in indicators}
    report = mastery(answers, domain_of=domain_of)

    by_indicator = {item.id: item for item in report.indicators}
    by_domain = {item.id: item for item in report.domains}
    indicator_rows = tuple(
        MasteryRow(indicator, by_indicator[indicator.pk])
        for indicator in indicators  # Indicator's ordering: framework, domain, indicator
        if indicator.pk in by_indicator
    )
    domains = {indicator.domain_id: indicator.domain for indicator in indicators}
    ordered_domains = sorted(
        domains.values(), key=lambda d: (d.framework.sort_order, d.framework_id, d.sort_order)
    )
    domain_rows = tuple(
        MasteryRow(domain, by_domain[domain.pk])
        for domain in ordered_domains
        if domain.pk in by_domain
    )

    weak_rows = sorted((row for row in indicator_rows if row.is_weak), key=lambda row: row.percent)
    studied = weak_rows[:STUDY_WEAKEST]
    links = _study_links([row.obj.pk for row in studied])
    weak = tuple(WeakIndicator(row, tuple(links.get(row.obj.pk, ()))) for row in studied)
    return LearnerMastery(
        indicators=indicator_rows,
        domains=domain_rows,
        weak=weak,
        also_weak=tuple(weak_rows[STUDY_WEAKEST:]),
    )


# --- quiz statistics for trainers ---------------------------------------------------------


class AttemptsChoice(StrEnum):
    """Which finished attempts the statistics count."""

    FIRST = "first"  # each learner's first finished attempt (the default)
    ALL = "all"


ATTEMPTS_LABELS = {
    AttemptsChoice.FIRST: gettext_lazy("First attempt of each learner"),
    AttemptsChoice.ALL: gettext_lazy("All finished attempts"),
}


@dataclass(frozen=True)
class QuizListRow:
    quiz: QuizPage
    module_title: str
    finished_attempts: int
    learners: int


def quizzes_with_attempts() -> QuerySet[QuizPage]:
    """Every quiz page with its number of finished attempts and of learners, in tree order
    (one query; paginate it, then `quiz_list_rows`)."""
    finished = Q(attempts__state=AttemptState.FINISHED)
    return (
        QuizPage.objects.defer_streamfields()
        .annotate(
            finished_attempts=Count("attempts", filter=finished),
            learners=Count("attempts__user", filter=finished, distinct=True),
        )
        .order_by("path")
    )


def quiz_list_rows(quizzes: Iterable[QuizPage]) -> list[QuizListRow]:
    """The quizzes (from `quizzes_with_attempts`) with their module's title (one query)."""
    quizzes = list(quizzes)
    parent_paths = {quiz.path[: -QuizPage.steplen] for quiz in quizzes}
    titles = dict(Page.objects.filter(path__in=parent_paths).values_list("path", "title"))
    return [
        QuizListRow(
            quiz=quiz,
            module_title=titles.get(quiz.path[: -QuizPage.steplen], ""),
            finished_attempts=quiz.finished_attempts,
            learners=quiz.learners,
        )
        for quiz in quizzes
    ]


@dataclass(frozen=True)
class ChoiceRow:
    key: str
    text: str
    correct: bool
    count: int
    percent: float | None  # of the question's responses


@dataclass(frozen=True)
class QuestionRow:
    stats: QuestionStatistics
    title: str
    kind: str
    kind_label: str
    deleted: bool  # deleted from the bank since: its id is synthetic (negative)
    choices: tuple[ChoiceRow, ...] = ()  # choice kinds only
    indicators: tuple[Indicator, ...] = ()


@dataclass(frozen=True)
class GroupRow:
    obj: Indicator | IndicatorDomain
    stats: GroupStatistics


@dataclass(frozen=True)
class AttemptRow:
    attempt_id: int
    learner_name: str
    email: str
    number: int
    started_at: datetime
    finished_at: datetime | None
    percent: Decimal | None
    passed: bool | None


@dataclass
class QuizStatistics:
    quiz: QuizPage
    attempts_choice: AttemptsChoice
    summary: QuizSummary
    learners: int
    questions: list[QuestionRow] = field(default_factory=list)
    indicators: list[GroupRow] = field(default_factory=list)
    domains: list[GroupRow] = field(default_factory=list)
    attempts: list[AttemptRow] = field(default_factory=list)

    def question_csv_rows(self, header: Iterable[str]) -> Iterator[list[str]]:
        """Rows of the question statistics CSV, `header` replacing the raw column keys.

        A question deleted from the bank has no id to give: its id cell is left empty.
        """
        rows = question_csv_rows(
            (row.stats for row in self.questions),
            {row.stats.question_id: row.title for row in self.questions},
        )
        next(rows)
        yield list(header)
        for row in rows:
            if row[0].startswith("-"):
                row[0] = ""
            yield row


def _chosen(kind: str, answer: object) -> tuple[str, ...]:
    if kind not in SELECT_KINDS:
        return ()
    if isinstance(answer, str):
        return (answer,)
    if isinstance(answer, list):
        return tuple(str(key) for key in answer)
    return ()


def _float(value: Decimal | None) -> float:
    return float(value) if value is not None else float("nan")


def _kind_label(kind: str) -> str:
    try:
        return str(QuestionKindChoices(kind).label)
    except ValueError:
        return kind


def _choice_rows(snapshot: dict, stats: QuestionStatistics) -> tuple[ChoiceRow, ...]:
    """Each choice of the latest snapshot with its count; then any key chosen in an older
    version of the question that this version no longer has."""
    responses = stats.responses
    rows = []
    shown = set()
    for choice in snapshot.get("choices", []):
        key = choice.get("key", "")
        shown.add(key)
        count = stats.choice_counts.get(key, 0)
        rows.append(
            ChoiceRow(
                key=key,
                text=choice.get("text", ""),
                correct=bool(choice.get("correct")),
                count=count,
                percent=round(100 * count / responses, 1) if responses else None,
            )
        )
    for key, count in stats.choice_counts.items():
        if key not in shown:
            rows.append(
                ChoiceRow(
                    key=key,
                    text=_("(a choice removed since)"),
                    correct=False,
                    count=count,
                    percent=round(100 * count / responses, 1) if responses else None,
                )
            )
    return tuple(rows)


def _counted_attempts(
    quiz: QuizPage, choice: AttemptsChoice, users: Iterable[int] | QuerySet | None = None
) -> QuerySet[Attempt]:
    """The quiz's finished attempts that count: all, or each learner's first; of the given
    users only, when `users` is not None."""
    finished = Attempt.objects.filter(quiz_id=quiz.pk, state=AttemptState.FINISHED)
    if users is not None:
        finished = finished.filter(
            user_id__in=users if isinstance(users, QuerySet) else list(users)
        )
    if choice == AttemptsChoice.FIRST:
        earlier = Attempt.objects.filter(
            quiz_id=quiz.pk,
            state=AttemptState.FINISHED,
            user_id=OuterRef("user_id"),
            number__lt=OuterRef("number"),
        )
        finished = finished.exclude(Exists(earlier))
    return finished


@dataclass
class _Responses:
    records: list[ResponseRecord] = field(default_factory=list)
    latest: dict[int, dict] = field(default_factory=dict)  # question id -> its latest row


def _responses(attempts: QuerySet[Attempt], order: dict[int, int]) -> _Responses:
    """One record per question per counted attempt (one query; snapshots are not read).

    A question deleted from the bank lost its id: its rows are grouped by title and kind
    under a negative id.
    """
    rows = list(
        AttemptQuestion.objects.filter(attempt__in=attempts).values(
            "pk",
            "attempt_id",
            "position",
            "question_id",
            "answer",
            "score",
            "max_score",
            title=KT("snapshot__title"),
            kind=KT("snapshot__kind"),
        )
    )
    rows.sort(key=lambda row: (order.get(row["attempt_id"], 0), row["pk"]))
    found = _Responses()
    synthetic: dict[tuple[str, str], int] = {}
    for row in rows:
        question_id = row["question_id"]
        if question_id is None:
            label = (row["title"] or "", row["kind"] or "")
            question_id = synthetic.setdefault(label, -1 - len(synthetic))
        found.latest[question_id] = row
        found.records.append(
            ResponseRecord(
                attempt_id=row["attempt_id"],
                question_id=question_id,
                score=_float(row["score"]),
                max_score=_float(row["max_score"]),
                chosen=_chosen(row["kind"] or "", row["answer"]),
                answered=is_answered(row["answer"]),
            )
        )
    return found


def _latest_snapshots(latest: dict[int, dict]) -> dict[int, dict]:
    """Question id -> the snapshot of its latest row (one query)."""
    if not latest:
        return {}
    snapshots = dict(
        AttemptQuestion.objects.filter(pk__in=[row["pk"] for row in latest.values()])
        .order_by()
        .values_list("pk", "snapshot")
    )
    return {question_id: snapshots.get(row["pk"], {}) for question_id, row in latest.items()}


def _indicators(ids: set[int]) -> dict[int, Indicator]:
    """The indicators with their domains and frameworks (one query)."""
    if not ids:
        return {}
    found = Indicator.objects.filter(pk__in=ids).select_related("domain__framework")
    return {indicator.pk: indicator for indicator in found}


def _question_row(
    item: QuestionStatistics, snapshot: dict, indicators: list[Indicator]
) -> QuestionRow:
    kind = snapshot.get("kind", "")
    return QuestionRow(
        stats=item,
        title=snapshot.get("title", "") or _("(untitled)"),
        kind=kind,
        kind_label=_kind_label(kind),
        deleted=item.question_id < 0,
        choices=_choice_rows(snapshot, item) if kind in SELECT_KINDS else (),
        indicators=tuple(indicators),
    )


def _attempt_row(attempt: Attempt) -> AttemptRow:
    return AttemptRow(
        attempt_id=attempt.pk,
        learner_name=attempt.user.get_full_name(),
        email=attempt.user.email,
        number=attempt.number,
        started_at=attempt.started_at,
        finished_at=attempt.finished_at,
        percent=attempt.percent,
        passed=attempt.passed,
    )


def quiz_statistics(
    quiz: QuizPage,
    *,
    attempts: AttemptsChoice,
    users: Iterable[int] | QuerySet | None = None,
) -> QuizStatistics:
    """Item analysis of a quiz over its finished attempts (each learner's first, or all).

    `users`: only the attempts of these users count (ids, or a queryset of ids read as a
    subquery, e.g. a cohort's members); None counts every learner. A learner's "first"
    attempt stays their first finished one whatever the filter.

    Four queries whatever the number of attempts or questions: the attempts with their
    learners, the responses, the latest snapshot of each question, their indicators.
    Questions come in the order of the latest attempt that showed them (the title breaks
    ties: a shuffled quiz varies), each title and choice text from that latest snapshot.
    """
    counted = _counted_attempts(quiz, attempts, users)
    chosen = list(counted.select_related("user").order_by("finished_at", "pk"))
    responses = _responses(counted, {attempt.pk: i for i, attempt in enumerate(chosen)})
    records = [AttemptRecord(a.pk, _float(a.score), _float(a.max_score)) for a in chosen]
    stats = question_statistics(records, responses.records)

    snapshot_of = _latest_snapshots(responses.latest)
    indicators_of = {
        question_id: tuple(int(pk) for pk in snapshot.get("indicator_ids") or ())
        for question_id, snapshot in snapshot_of.items()
    }
    indicators = _indicators({pk for ids in indicators_of.values() for pk in ids})
    domains = {indicator.domain_id: indicator.domain for indicator in indicators.values()}

    position_of = {qid: row["position"] for qid, row in responses.latest.items()}
    questions = sorted(
        (
            _question_row(
                item,
                snapshot_of.get(item.question_id, {}),
                [
                    indicators[pk]
                    for pk in indicators_of.get(item.question_id, ())
                    if pk in indicators
                ],
            )
            for item in stats
        ),
        key=lambda row: (position_of.get(row.stats.question_id, 0), row.title),
    )
    groups = rollup(
        stats,
        indicators_of=indicators_of,
        domain_of={pk: indicator.domain_id for pk, indicator in indicators.items()},
    )
    return QuizStatistics(
        quiz=quiz,
        attempts_choice=attempts,
        summary=quiz_summary(records),
        learners=len({attempt.user_id for attempt in chosen}),
        questions=questions,
        indicators=[GroupRow(indicators[g.id], g) for g in groups.indicators if g.id in indicators],
        domains=[GroupRow(domains[g.id], g) for g in groups.domains if g.id in domains],
        attempts=[
            _attempt_row(attempt)
            for attempt in sorted(chosen, key=lambda a: (a.user.email, a.number))
        ],
    )


# --- CSV cells ----------------------------------------------------------------------------


def attempt_csv_rows(rows: Iterable[AttemptRow], header: Iterable[str]) -> Iterator[list[str]]:
    """The attempts as CSV rows: learner, e-mail, attempt number, started, finished (local
    time, minutes), percent, passed."""
    yield list(header)
    yes, no = _("yes"), _("no")

    def when(moment: datetime | None) -> str:
        return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""

    for row in rows:
        yield [
            text_cell(row.learner_name),
            text_cell(row.email),
            str(row.number),
            when(row.started_at),
            when(row.finished_at),
            "" if row.percent is None else f"{row.percent}",
            "" if row.passed is None else (yes if row.passed else no),
        ]
