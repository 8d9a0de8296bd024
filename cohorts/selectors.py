"""Reads for the trainer workspace's cohort page. Each function that reads the database runs a
fixed number of queries whatever the number of trainees, modules, items, quizzes or attempts;
the rest (sorting and filtering the matrix, pooling mastery, quiz summaries, export rows) are
plain functions over the records read.

- `progress_matrix`: every trainee × every module of the course, with quiz scores and the
  follow-up flags of `followup` (behind, inactive).
- `parse_matrix_query` / `apply_matrix_query`: the trainer's sort and filter, from GET
  parameters; values not understood are ignored and reported, never an error.
- `cohort_mastery`: the cohort's mastery per indicator and domain, pooled over its trainees
  from each trainee's mastery (`quizzes.mastery` rules, the course's quizzes only).
- `quiz_rows`: each quiz of the course over the cohort's trainees (from the matrix).
- `cohort_page`: all of the above for the cohort page, in one call. What it shows of the
  trainees' progress is kept in the cache (`kept_matrix`) under each trainee's progress and
  answers tokens (courses.progress_versions, quizzes.answer_versions), the content token, the
  cohort's course and its members; the trainees' names and whatever depends on today's date
  are read and worked out on each view.
- `cohort_quiz_statistics`: one quiz's item analysis over the cohort's trainees.
- `matrix_export_tables`: the matrix and the mastery as `tables.Table`s for CSV/XLSX.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from django.db.models import Count, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from courses import progress_versions
from courses.models import Enrolment, ItemProgress
from courses.progress import CourseOutline, Fraction, ModuleOutline, course_progress
from courses.selectors import outline_for
from framework_content.models import Indicator, IndicatorDomain
from quizzes import answer_versions, reports
from quizzes.choices import AttemptState
from quizzes.mastery import Level, MasteryReport
from quizzes.models import Attempt, QuizPage
from training_site.content_cache import content_key, remember, remember_many, tokens

from . import followup
from .models import Cohort, Membership
from .tables import Table

# Below this many trainees counted, statistics are shown with a caution.
RELIABLE_FROM = 5
SEARCH_MAX_LENGTH = 100


# --- the progress matrix ----------------------------------------------------------------------


class QuizState(StrEnum):
    NOT_ATTEMPTED = "not_attempted"
    IN_PROGRESS = "in_progress"  # started, never finished
    PASSED = "passed"
    NOT_PASSED = "not_passed"


QUIZ_STATE_LABELS = {
    QuizState.NOT_ATTEMPTED: gettext_lazy("Not attempted"),
    QuizState.IN_PROGRESS: gettext_lazy("In progress"),
    QuizState.PASSED: gettext_lazy("Passed"),
    QuizState.NOT_PASSED: gettext_lazy("Not passed"),
}


@dataclass(frozen=True)
class QuizRef:
    """A quiz of the course, in course order, with the module it sits in."""

    id: int
    title: str
    module_id: int
    module_title: str


@dataclass(frozen=True)
class QuizScore:
    """One trainee's record on one quiz."""

    quiz_id: int
    title: str
    best_percent: Decimal | None  # best finished attempt; None: none finished
    passed: bool  # at least one finished attempt passed
    attempts: int  # attempts started (finished or not)
    finished: int = 0  # attempts finished

    @property
    def state(self) -> QuizState:
        if self.attempts == 0:
            return QuizState.NOT_ATTEMPTED
        if self.passed:
            return QuizState.PASSED
        if self.finished == 0:
            return QuizState.IN_PROGRESS
        return QuizState.NOT_PASSED

    @property
    def state_label(self) -> str:
        return str(QUIZ_STATE_LABELS[self.state])


@dataclass(frozen=True)
class Cell:
    """One trainee in one module: items done, and every quiz of the module."""

    module: ModuleOutline
    progress: Fraction
    quizzes: tuple[QuizScore, ...] = ()


class Status(StrEnum):
    COMPLETED = "completed"
    BEHIND = "behind"
    INACTIVE = "inactive"
    NOT_STARTED = "not_started"
    ON_TRACK = "on_track"


STATUS_LABELS = {
    Status.COMPLETED: gettext_lazy("Completed"),
    Status.BEHIND: gettext_lazy("Behind"),
    Status.INACTIVE: gettext_lazy("Inactive"),
    Status.NOT_STARTED: gettext_lazy("Not started"),
    Status.ON_TRACK: gettext_lazy("On track"),
}


@dataclass
class Row:
    membership: Membership
    enrolment: Enrolment | None
    progress: Fraction
    cells: list[Cell]
    last_activity: datetime | None
    behind: bool
    inactive: bool
    complete: bool = False  # the course is complete (recorded, or every item done)

    @property
    def user(self):
        return self.membership.user

    @property
    def completed(self) -> bool:
        return self.complete or bool(self.enrolment and self.enrolment.completed_at)

    @property
    def started(self) -> bool:
        return self.last_activity is not None

    @property
    def statuses(self) -> tuple[Status, ...]:
        """Every status that applies, as words for the badges (never colour alone)."""
        if self.completed:
            return (Status.COMPLETED,)
        found = []
        if not self.started:
            found.append(Status.NOT_STARTED)
        if self.behind:
            found.append(Status.BEHIND)
        if self.inactive:
            found.append(Status.INACTIVE)
        return tuple(found) or (Status.ON_TRACK,)

    @property
    def status_labels(self) -> list[tuple[str, str]]:
        return [(status.value, str(STATUS_LABELS[status])) for status in self.statuses]

    def score(self, quiz_id: int) -> QuizScore | None:
        for cell in self.cells:
            for quiz in cell.quizzes:
                if quiz.quiz_id == quiz_id:
                    return quiz
        return None


@dataclass
class Matrix:
    cohort: Cohort
    outline: CourseOutline
    expected_percent: int
    rows: list[Row] = field(default_factory=list)
    quizzes: tuple[QuizRef, ...] = ()  # the course's quizzes, in course order

    @property
    def modules(self) -> tuple[ModuleOutline, ...]:
        return self.outline.modules

    @property
    def trainees(self) -> int:
        return len(self.rows)

    def count(self, status: Status) -> int:
        return sum(1 for row in self.rows if status in row.statuses)

    @property
    def completed(self) -> int:
        return self.count(Status.COMPLETED)

    @property
    def behind(self) -> int:
        return self.count(Status.BEHIND)

    @property
    def inactive(self) -> int:
        return self.count(Status.INACTIVE)

    @property
    def not_started(self) -> int:
        return self.count(Status.NOT_STARTED)

    @property
    def module_quizzes(self) -> list[tuple[ModuleOutline, list[QuizRef]]]:
        """Each module with its quizzes (for the column headers)."""
        return [
            (module, [quiz for quiz in self.quizzes if quiz.module_id == module.id])
            for module in self.modules
        ]


def _latest(*values: datetime | None) -> datetime | None:
    present = [v for v in values if v is not None]
    return max(present) if present else None


def _percent(value) -> Decimal | None:
    """A percent as stored (one decimal), whatever the database's aggregate returns."""
    return None if value is None else Decimal(value).quantize(Decimal("0.1"))


def _members(cohort: Cohort):
    """The cohort's trainees' ids, as a subquery (no list of ids in the SQL)."""
    return Membership.objects.filter(cohort=cohort).values("user_id")


def _quiz_refs(outline: CourseOutline, quiz_ids: set[int]) -> tuple[QuizRef, ...]:
    seen: set[int] = set()
    refs = []
    for module in outline.modules:
        for item in module.items:
            if item.id in quiz_ids and item.id not in seen:
                seen.add(item.id)
                refs.append(QuizRef(item.id, item.title, module.id, module.title))
    return tuple(refs)


@dataclass(frozen=True)
class TraineeFacts:
    """What the database holds of one trainee in one course: their enrolment, the items
    they completed, their last activity, and each quiz's attempts (quiz id → best finished
    percent, finished attempts passed, attempts, finished attempts). The cohort page keeps
    these per trainee under their tokens: when one trainee changes, the others are not read
    again."""

    enrolment: Enrolment | None
    completed: frozenset[int]
    last_activity: datetime | None
    scores: Mapping[int, tuple[Decimal | None, int, int, int]]


@dataclass(frozen=True)
class TraineeRecord:
    """What one trainee has done in the course, whatever the date: items done per module,
    quiz scores, last activity. The cohort page keeps these in the cache; the flags that
    depend on the date (behind, inactive) are worked out on each view (`_matrix`)."""

    enrolment: Enrolment | None
    progress: Fraction
    cells: tuple[Cell, ...]
    last_activity: datetime | None
    complete: bool  # the course is complete (recorded, or every item done)


def _trainees(cohort: Cohort) -> list[Membership]:
    """The cohort's memberships with their users, in name order (one query)."""
    return list(
        Membership.objects.filter(cohort=cohort)
        .select_related("user")
        .order_by("user__full_name", "user__email")
    )


def _quiz_ids(item_ids: list[int]) -> set[int]:
    if not item_ids:
        return set()
    return set(QuizPage.objects.filter(pk__in=item_ids).values_list("pk", flat=True))


def _facts(
    cohort: Cohort, item_ids: list[int], user_ids: list[int], *, every_member: bool = True
) -> dict[int, TraineeFacts]:
    """Each of these trainees' facts in the cohort's course (one for each), in three queries
    whatever the size: their enrolments, their item progress, their attempts (grouped).
    `every_member`: the ids are all the cohort's trainees (the queries then name the cohort,
    not a list of ids)."""
    users = _members(cohort) if every_member else list(user_ids)
    enrolments = {
        e.user_id: e
        for e in Enrolment.objects.filter(course_id=cohort.course_id, user_id__in=users)
    }
    completed: dict[int, set[int]] = defaultdict(set)
    last_seen: dict[int, datetime | None] = {}
    for user_id, page_id, started_at, completed_at in ItemProgress.objects.filter(
        user_id__in=users, page_id__in=item_ids
    ).values_list("user_id", "page_id", "started_at", "completed_at"):
        if completed_at is not None:
            completed[user_id].add(page_id)
        last_seen[user_id] = _latest(last_seen.get(user_id), started_at, completed_at)
    finished = Q(state=AttemptState.FINISHED)
    scores: dict[int, dict[int, tuple]] = defaultdict(dict)
    for row in (
        Attempt.objects.filter(user_id__in=users, quiz_id__in=item_ids)
        .values("user_id", "quiz_id")
        .annotate(
            best=Max("percent", filter=finished),
            # Counted, not Max(passed): PostgreSQL has no max() of booleans.
            passes=Count("pk", filter=finished & Q(passed=True)),
            attempts=Count("pk"),
            finished=Count("pk", filter=finished),
            started=Max("started_at"),
            saved=Max("last_saved_at"),
            finished_at=Max("finished_at"),
        )
        .order_by()
    ):
        scores[row["user_id"]][row["quiz_id"]] = (
            _percent(row["best"]),
            row["passes"],
            row["attempts"],
            row["finished"],
        )
        last_seen[row["user_id"]] = _latest(
            last_seen.get(row["user_id"]), row["started"], row["saved"], row["finished_at"]
        )
    return {
        user_id: TraineeFacts(
            enrolment=enrolments.get(user_id),
            completed=frozenset(completed.get(user_id, ())),
            last_activity=last_seen.get(user_id),  # joining is not activity; opening an item is
            scores=dict(scores.get(user_id, {})),
        )
        for user_id in user_ids
    }


def _records(
    outline: CourseOutline, quiz_ids: set[int], facts: Mapping[int, TraineeFacts]
) -> dict[int, TraineeRecord]:
    """Each trainee's record from their facts (pure)."""
    module_items = [(module, {item.id for item in module.items}) for module in outline.modules]
    # Equal cells and scores are one object (they are frozen): many trainees share them (not
    # attempted, not started, all done), and what is kept in the cache shrinks with them.
    shared: dict = {}
    records = {}
    for user_id, found in facts.items():
        done = found.completed
        cells = []
        for module, ids in module_items:
            quizzes = []
            for item in module.items:
                if item.id not in quiz_ids:
                    continue
                best, passes, attempts, finished = found.scores.get(item.id, (None, 0, 0, 0))
                score = QuizScore(
                    quiz_id=item.id,
                    title=item.title,
                    best_percent=best,
                    passed=bool(passes),
                    attempts=attempts,
                    finished=finished,
                )
                quizzes.append(shared.setdefault(score, score))
            key = (module.id, len(ids & done), tuple(quizzes))
            cell = shared.get(key)
            if cell is None:
                cell = shared[key] = Cell(
                    module=module,
                    progress=Fraction(done=key[1], total=len(module.items)),
                    quizzes=key[2],
                )
            cells.append(cell)
        progress = course_progress(outline, done)
        enrolment = found.enrolment
        records[user_id] = TraineeRecord(
            enrolment=enrolment,
            progress=progress,
            cells=tuple(cells),
            last_activity=found.last_activity,
            complete=bool(enrolment and enrolment.completed_at) or progress.complete,
        )
    return records


def _matrix(
    cohort: Cohort,
    members: list[Membership],
    outline: CourseOutline,
    quizzes: tuple[QuizRef, ...],
    records: Mapping[int, TraineeRecord],
    now: datetime,
) -> Matrix:
    """The matrix of these members from their records (one for each), with the flags of
    `now` (pure)."""
    today = timezone.localdate(now)  # the cohort's dates are calendar dates, here
    expected = followup.expected_percent(cohort.starts_on, cohort.ends_on, today)
    running = cohort.starts_on <= today <= cohort.ends_on
    rows = []
    for member in members:
        record = records[member.user_id]
        complete = record.complete
        rows.append(
            Row(
                membership=member,
                enrolment=record.enrolment,
                progress=record.progress,
                cells=list(record.cells),
                last_activity=record.last_activity,
                behind=followup.is_behind(record.progress.percent, complete, expected),
                inactive=not complete
                and followup.is_inactive(record.last_activity, now, running=running),
                complete=complete,
            )
        )
    return Matrix(
        cohort=cohort, outline=outline, expected_percent=expected, rows=rows, quizzes=quizzes
    )


def progress_matrix(cohort: Cohort, *, now: datetime | None = None) -> Matrix:
    """Every trainee of the cohort × every module of its course, in name order, read from
    the database (the cohort page keeps its records in the cache: `cohort_page`).

    Nine queries whatever the size: the outline (three), the trainees, their enrolments,
    their item progress, their attempts (grouped), which items are quizzes.
    """
    now = now or timezone.now()
    outline = outline_for(cohort.course_id)
    members = _trainees(cohort)
    item_ids = [item.id for item in outline.items]
    quiz_ids = _quiz_ids(item_ids)
    facts = _facts(cohort, item_ids, [m.user_id for m in members])
    records = _records(outline, quiz_ids, facts)
    return _matrix(cohort, members, outline, _quiz_refs(outline, quiz_ids), records, now)


# --- sorting and filtering the matrix (pure) --------------------------------------------------


class SortKey(StrEnum):
    NAME = "name"
    PROGRESS = "progress"
    ACTIVITY = "activity"


class Order(StrEnum):
    ASC = "asc"
    DESC = "desc"


class StatusFilter(StrEnum):
    ALL = "all"
    BEHIND = "behind"
    INACTIVE = "inactive"
    COMPLETED = "completed"
    NOT_STARTED = "not_started"


SORT_LABELS = {
    SortKey.NAME: gettext_lazy("Name"),
    SortKey.PROGRESS: gettext_lazy("Course progress"),
    SortKey.ACTIVITY: gettext_lazy("Last activity"),
}
ORDER_LABELS = {
    Order.ASC: gettext_lazy("Ascending (A to Z, lowest, oldest first)"),
    Order.DESC: gettext_lazy("Descending (Z to A, highest, latest first)"),
}
STATUS_FILTER_LABELS = {
    StatusFilter.ALL: gettext_lazy("All trainees"),
    StatusFilter.BEHIND: gettext_lazy("Behind"),
    StatusFilter.INACTIVE: gettext_lazy("Inactive"),
    StatusFilter.COMPLETED: gettext_lazy("Completed"),
    StatusFilter.NOT_STARTED: gettext_lazy("Not started"),
}
_FILTER_STATUS = {
    StatusFilter.BEHIND: Status.BEHIND,
    StatusFilter.INACTIVE: Status.INACTIVE,
    StatusFilter.COMPLETED: Status.COMPLETED,
    StatusFilter.NOT_STARTED: Status.NOT_STARTED,
}


@dataclass(frozen=True)
class MatrixQuery:
    """How the trainer wants the matrix: sort key and order, status filter, text search.
    `ignored`: (parameter, value) pairs that were not understood and fell back to the
    default."""

    sort: SortKey = SortKey.NAME
    order: Order = Order.ASC
    status: StatusFilter = StatusFilter.ALL
    search: str = ""
    ignored: tuple[tuple[str, str], ...] = ()

    @property
    def filtered(self) -> bool:
        return self.status != StatusFilter.ALL or bool(self.search)

    def aria_sort(self, key: SortKey) -> str:
        """The `aria-sort` value of a column header: "" when not sorted by it."""
        if key != self.sort:
            return ""
        return "ascending" if self.order == Order.ASC else "descending"

    def next_order(self, key: SortKey) -> Order:
        """The order a click on a column header asks for: the other one on the sorted
        column, ascending on the others."""
        if key == self.sort and self.order == Order.ASC:
            return Order.DESC
        return Order.ASC


def _choice(enum: type[StrEnum], params: Mapping[str, str], name: str, ignored: list):
    raw = (params.get(name) or "").strip()
    if not raw:
        return next(iter(enum))
    try:
        return enum(raw)
    except ValueError:
        ignored.append((name, raw[:40]))
        return next(iter(enum))


def parse_matrix_query(params: Mapping[str, str]) -> MatrixQuery:
    """Sort (`sort`, `order`), status filter (`status`) and search (`q`) from GET
    parameters. Empty values mean the default; unknown ones fall back to it and are listed
    in `ignored`."""
    ignored: list[tuple[str, str]] = []
    sort = _choice(SortKey, params, "sort", ignored)
    order = _choice(Order, params, "order", ignored)
    status = _choice(StatusFilter, params, "status", ignored)
    search = " ".join((params.get("q") or "").split())[:SEARCH_MAX_LENGTH]
    return MatrixQuery(sort, order, status, search, tuple(ignored))


def _folded(text: str) -> str:
    """Lower case without accents, so "perez" finds "Pérez"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _name_key(row: Row) -> tuple[str, str]:
    user = row.user
    return (_folded(user.full_name or user.email), _folded(user.email))


def apply_matrix_query(rows: Iterable[Row], query: MatrixQuery) -> list[Row]:
    """The rows the trainer asked for, in the order asked for.

    Filter: a status (rows carrying that status badge) and a search on name or e-mail
    (case and accents ignored). Sort: by name; by course progress; by last activity, where
    "never" is the oldest. Ties keep name order, whichever the direction.
    """
    wanted = _FILTER_STATUS.get(query.status)
    needle = _folded(query.search)
    kept = [
        row
        for row in rows
        if (wanted is None or wanted in row.statuses)
        and (
            not needle
            or needle in _folded(row.user.full_name or "")
            or needle in _folded(row.user.email)
        )
    ]
    kept.sort(key=_name_key)
    if query.sort == SortKey.NAME:
        kept.sort(key=_name_key, reverse=query.order == Order.DESC)
    elif query.sort == SortKey.PROGRESS:
        kept.sort(key=lambda row: row.progress.percent, reverse=query.order == Order.DESC)
    else:
        # Python's sort stays stable in reverse: ties keep their name order.
        kept.sort(
            key=lambda row: (row.last_activity is not None, row.last_activity or 0),
            reverse=query.order == Order.DESC,
        )
    return kept


# --- the course's quizzes over the cohort (pure) ----------------------------------------------


@dataclass(frozen=True)
class QuizRow:
    """One quiz over the cohort's trainees, from each trainee's best finished attempt."""

    quiz: QuizRef
    attempts: int  # finished attempts, all trainees together
    trainees: int  # trainees who finished it at least once
    started: int  # trainees who started it (finished or not)
    passed: int  # trainees who passed it
    mean_percent: Decimal | None  # mean of the trainees' best finished percents, 1 decimal

    @property
    def pass_rate(self) -> int | None:
        """Trainees who passed, as a whole percent of those who finished it."""
        if not self.trainees:
            return None
        return (100 * self.passed) // self.trainees

    @property
    def reliable(self) -> bool:
        return self.trainees >= RELIABLE_FROM


def quiz_rows(matrix: Matrix) -> list[QuizRow]:
    rows = []
    for quiz in matrix.quizzes:
        scores = [s for s in (row.score(quiz.id) for row in matrix.rows) if s is not None]
        bests = [s.best_percent for s in scores if s.best_percent is not None]
        mean = (
            (sum(bests, Decimal(0)) / len(bests)).quantize(Decimal("0.1"), ROUND_HALF_UP)
            if bests
            else None
        )
        rows.append(
            QuizRow(
                quiz=quiz,
                attempts=sum(s.finished for s in scores),
                trainees=sum(1 for s in scores if s.finished),
                started=sum(1 for s in scores if s.attempts),
                passed=sum(1 for s in scores if s.passed),
                mean_percent=mean,
            )
        )
    return rows


# --- the cohort's mastery ---------------------------------------------------------------------

LEVELS = (Level.MASTERED, Level.DEVELOPING, Level.NEEDS_WORK, Level.NOT_ENOUGH_EVIDENCE)


@dataclass(frozen=True)
class Segment:
    """A piece of a stacked bar: x and width in percent of the bar, as SVG attribute text
    (a dot for decimals, whatever the language)."""

    level: str
    label: str
    count: int
    x: str
    width: str


@dataclass(frozen=True)
class PooledMastery:
    """One indicator or domain over the cohort's trainees.

    `counts`: trainees at each level (a trainee's level by `quizzes.mastery`); `assessed`:
    trainees with at least one answer counted for it; `mean_percent`: the mean of their
    percents, rounded down (None when nobody was assessed)."""

    id: int
    trainees: int
    counts: Mapping[Level, int]
    mean_percent: int | None

    @property
    def assessed(self) -> int:
        return sum(self.counts.values())

    @property
    def not_assessed(self) -> int:
        return self.trainees - self.assessed

    @property
    def mastered(self) -> int:
        return self.counts.get(Level.MASTERED, 0)

    @property
    def developing(self) -> int:
        return self.counts.get(Level.DEVELOPING, 0)

    @property
    def needs_work(self) -> int:
        return self.counts.get(Level.NEEDS_WORK, 0)

    @property
    def not_enough_evidence(self) -> int:
        return self.counts.get(Level.NOT_ENOUGH_EVIDENCE, 0)

    @property
    def segments(self) -> list[Segment]:
        """The levels as a stacked bar over the cohort's trainees (not assessed: the rest)."""
        if not self.trainees:
            return []
        found = []
        before = 0  # trainees drawn so far
        for level in LEVELS:
            count = self.counts.get(level, 0)
            if count:
                x = 100 * before / self.trainees
                width = 100 * count / self.trainees
                label = str(reports.LEVEL_LABELS[level])
                found.append(Segment(level.value, label, count, f"{x:.2f}", f"{width:.2f}"))
                before += count
        return found


def pool_mastery(
    reports_by_user: Mapping[int, MasteryReport], *, trainees: int
) -> tuple[dict[int, PooledMastery], dict[int, PooledMastery]]:
    """Pool each trainee's mastery into the cohort's, per indicator and per domain.

    Pure: `reports_by_user` from `quizzes.reports.mastery_by_user`; `trainees` the size of
    the cohort (those without a report are "not assessed" everywhere).
    """

    def pool(kind: str) -> dict[int, PooledMastery]:
        levels: dict[int, dict[Level, int]] = defaultdict(dict)
        percents: dict[int, list[int]] = defaultdict(list)
        for report in reports_by_user.values():
            for item in getattr(report, kind):
                levels[item.id][item.level] = levels[item.id].get(item.level, 0) + 1
                percents[item.id].append(item.percent)
        return {
            pk: PooledMastery(
                id=pk,
                trainees=trainees,
                counts=dict(levels[pk]),
                mean_percent=sum(percents[pk]) // len(percents[pk]),
            )
            for pk in levels
        }

    return pool("indicators"), pool("domains")


@dataclass(frozen=True)
class MasteryLine:
    obj: Indicator | IndicatorDomain
    pooled: PooledMastery


@dataclass(frozen=True)
class CohortMastery:
    trainees: int
    indicators: tuple[MasteryLine, ...] = ()  # in the frameworks' order
    domains: tuple[MasteryLine, ...] = ()  # in the frameworks' order

    @property
    def has_evidence(self) -> bool:
        return bool(self.indicators)


def cohort_mastery(
    cohort: Cohort,
    *,
    trainees: int,
    quiz_ids: Iterable[int] | None = None,
    user_ids: Iterable[int] | None = None,
) -> CohortMastery:
    """The cohort's mastery per indicator and domain, from the answers its trainees gave in
    the given quizzes (the course's). Each trainee's report is cached until they finish an
    attempt (quizzes.reports.mastery_by_user): the members (unless `user_ids` says who they
    are), the indicators, and two more for the trainees not cached; whatever the size."""
    quiz_ids = list(quiz_ids) if quiz_ids is not None else None
    if quiz_ids == []:
        return CohortMastery(trainees=trainees)
    if user_ids is None:
        user_ids = _members(cohort).values_list("user_id", flat=True)
    by_user = reports.mastery_by_user(list(user_ids), quiz_ids=quiz_ids)
    indicators_pooled, domains_pooled = pool_mastery(by_user, trainees=trainees)
    if not indicators_pooled:
        return CohortMastery(trainees=trainees)
    indicators = list(
        Indicator.objects.filter(pk__in=indicators_pooled).select_related("domain__framework")
    )
    domains = {i.domain_id: i.domain for i in indicators if i.domain_id in domains_pooled}
    ordered_domains = sorted(
        domains.values(), key=lambda d: (d.framework.sort_order, d.framework_id, d.sort_order)
    )
    return CohortMastery(
        trainees=trainees,
        indicators=tuple(MasteryLine(i, indicators_pooled[i.pk]) for i in indicators),
        domains=tuple(MasteryLine(d, domains_pooled[d.pk]) for d in ordered_domains),
    )


# --- the cohort page --------------------------------------------------------------------------


@dataclass
class CohortPage:
    matrix: Matrix
    query: MatrixQuery
    rows: list[Row]  # sorted and filtered
    quizzes: list[QuizRow]
    mastery: CohortMastery
    trainers: list = field(default_factory=list)
    # A digest of the cache key of what the quiz table and the mastery come from (None: not
    # kept), for keeping their markup (cohorts/cohort_detail.html).
    kept_key: str | None = None


@dataclass(frozen=True)
class KeptMatrix:
    """What the cohort page keeps in the cache for a cohort: nothing about today's date and
    nothing about the trainees but their ids (names are read on each view), so that the
    flags of the day and a renamed trainee are never stale."""

    outline: CourseOutline
    quizzes: tuple[QuizRef, ...]
    records: dict[int, TraineeRecord]  # user id → record, one for each member
    quiz_rows: tuple[QuizRow, ...]
    mastery: CohortMastery


# Entries are dropped by a new key, not by time; the timeout only bounds what stale entries
# keep of the cache.
KEPT_TIMEOUT = 6 * 60 * 60


def _learner_tokens(user_ids: list[int]) -> dict[int, tuple[str, str]] | None:
    """Each trainee's progress and answers tokens, in one cache round trip (None when the
    cache does not answer)."""
    keys = {
        user_id: (
            progress_versions.progress_key(user_id),
            answer_versions.KEY.format(user_id=user_id),
        )
        for user_id in user_ids
    }
    found = tokens(key for pair in keys.values() for key in pair)
    if found is None:
        return None
    return {user_id: (found[p], found[a]) for user_id, (p, a) in keys.items()}


def _digest(lines: Iterable[str]) -> str:
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def _kept_mastery(
    cohort: Cohort, user_ids: list[int], quiz_ids: list[int], learner_tokens: dict | None
) -> CohortMastery:
    """`cohort_mastery`, kept while the content, the course, the trainees and their answers
    tokens are the same: a lesson completed does not pool the mastery again."""

    def build() -> CohortMastery:
        return cohort_mastery(cohort, trainees=len(user_ids), quiz_ids=quiz_ids, user_ids=user_ids)

    if learner_tokens is None:
        return build()
    digest = _digest(f"{u}:{learner_tokens[u][1]}" for u in sorted(user_ids))
    key = content_key("cohort-mastery-v1", cohort.course_id, digest)
    return build() if key is None else remember(key, build, KEPT_TIMEOUT)


def _build_kept_matrix(
    cohort: Cohort, members: list[Membership], now: datetime, learner_tokens: dict | None
) -> KeptMatrix:
    """The outline (cached with the content), which items are quizzes, each trainee's facts
    (kept per trainee under their tokens: only those not kept are read, in three queries),
    their records and the quiz table (pure), and the mastery (`_kept_mastery`)."""
    outline = outline_for(cohort.course_id)
    item_ids = [item.id for item in outline.items]
    quiz_ids = _quiz_ids(item_ids)
    quizzes = _quiz_refs(outline, quiz_ids)
    user_ids = [m.user_id for m in members]

    def build(missing: list[int]) -> dict[int, TraineeFacts]:
        return _facts(cohort, item_ids, missing, every_member=len(missing) == len(user_ids))

    prefix = None if learner_tokens is None else content_key("trainee-facts-v1", cohort.course_id)
    if prefix is None:
        facts = build(user_ids)
    else:
        keys = {u: f"{prefix}:{u}:{':'.join(learner_tokens[u])}" for u in user_ids}
        facts = remember_many(keys, build, KEPT_TIMEOUT)
    records = _records(outline, quiz_ids, facts)
    matrix = _matrix(cohort, members, outline, quizzes, records, now)  # the scores alone count
    return KeptMatrix(
        outline=outline,
        quizzes=quizzes,
        records=records,
        quiz_rows=tuple(quiz_rows(matrix)),
        mastery=_kept_mastery(cohort, user_ids, [q.id for q in quizzes], learner_tokens),
    )


def kept_matrix(
    cohort: Cohort, members: list[Membership], now: datetime
) -> tuple[KeptMatrix, str | None]:
    """The cohort's records, quiz table and mastery for these members: from the cache while
    the content, the cohort's course, its members and each member's progress and answers
    tokens are the same; else built again, reading from the database only the trainees whose
    tokens changed (and everything whenever the cache does not answer). With the key it is
    kept under, which names all of that (None when the cache does not answer): what is
    rendered from it alone may be kept under the same key."""
    user_ids = sorted(m.user_id for m in members)
    found = _learner_tokens(user_ids)
    key = None
    if found is not None:
        digest = _digest(f"{u}:{found[u][0]}:{found[u][1]}" for u in user_ids)
        key = content_key("cohort-matrix-v1", cohort.pk, cohort.course_id, digest)
    if key is None:
        return _build_kept_matrix(cohort, members, now, None), None
    # The key's digest names every member: what is kept under it has a record for each.
    kept = remember(key, lambda: _build_kept_matrix(cohort, members, now, found), KEPT_TIMEOUT)
    return kept, key


def cohort_page(
    cohort: Cohort, params: Mapping[str, str], *, now: datetime | None = None
) -> CohortPage:
    """Everything the cohort page shows, in a fixed number of queries: the trainees (with
    their names) and the cohort's trainers on each view; the trainees' records, the quiz
    table and the mastery from the cache (`kept_matrix`) while nothing they show changed,
    a few more queries (as many whatever the size) when something did. Whatever depends on
    today's date (expected progress, behind, inactive) is worked out on each view."""
    now = now or timezone.now()
    members = _trainees(cohort)
    kept, kept_key = kept_matrix(cohort, members, now)
    matrix = _matrix(cohort, members, kept.outline, kept.quizzes, kept.records, now)
    query = parse_matrix_query(params)
    return CohortPage(
        matrix=matrix,
        query=query,
        rows=apply_matrix_query(matrix.rows, query),
        quizzes=list(kept.quiz_rows),
        mastery=kept.mastery,
        trainers=sorted(cohort.trainers.all(), key=lambda u: _folded(u.get_full_name())),
        # A digest: the key is long, and a fragment's own key holds it among other parts.
        kept_key=None if kept_key is None else _digest([kept_key]),
    )


# --- one quiz over the cohort -----------------------------------------------------------------


@dataclass
class CohortQuizStatistics:
    quiz: QuizPage
    module_title: str
    stats: reports.QuizStatistics
    trainees: int  # in the cohort

    @property
    def counted(self) -> int:
        """Trainees whose attempts are counted."""
        return self.stats.learners

    @property
    def reliable(self) -> bool:
        return self.counted >= RELIABLE_FROM


def cohort_quiz_statistics(
    cohort: Cohort, quiz_id: int, *, attempts: reports.AttemptsChoice
) -> CohortQuizStatistics | None:
    """A quiz's statistics over the cohort's trainees; None when the quiz is not one of the
    course's (live) quizzes."""
    outline = outline_for(cohort.course_id)
    module = next((m for m in outline.modules if any(i.id == quiz_id for i in m.items)), None)
    if module is None:
        return None
    quiz = QuizPage.objects.defer_streamfields().filter(pk=quiz_id).first()
    if quiz is None:
        return None
    return CohortQuizStatistics(
        quiz=quiz,
        module_title=module.title,
        stats=reports.quiz_statistics(quiz, attempts=attempts, users=_members(cohort)),
        trainees=Membership.objects.filter(cohort=cohort).count(),
    )


# --- exports ----------------------------------------------------------------------------------


def _number(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _progress_table(matrix: Matrix, now: datetime) -> Table:
    header = [
        _("Name"),
        _("E-mail"),
        _("Country"),
        _("Organisation"),
        _("Status"),
        _("Course progress (%)"),
        _("Last activity (date)"),
    ]
    header += [_("%(module)s: items done") % {"module": m.title} for m in matrix.modules]
    header += [_("%(quiz)s: best score (%%)") % {"quiz": q.title} for q in matrix.quizzes]
    rows = []
    for row in matrix.rows:
        user = row.user
        last = row.last_activity
        cells: list = [
            user.get_full_name(),
            user.email,
            user.country.name if user.country else "",
            user.organisation,
            ", ".join(label for _value, label in row.status_labels),
            row.progress.percent,
            timezone.localdate(last).isoformat() if last else "",
        ]
        cells += [f"{cell.progress.done}/{cell.progress.total}" for cell in row.cells]
        for quiz in matrix.quizzes:
            score = row.score(quiz.id)
            cells.append(_number(score.best_percent) if score else None)
        rows.append(cells)
    notes = [
        _(
            "Expected progress on %(date)s: %(percent)s%%. Behind: more than %(margin)s "
            "points below it, course not complete. Inactive: nothing done for %(days)s days "
            "(or nothing at all) while the cohort runs."
        )
        % {
            "date": timezone.localdate(now).isoformat(),
            "percent": matrix.expected_percent,
            "margin": followup.BEHIND_MARGIN,
            "days": followup.INACTIVE_DAYS,
        },
        _("Quiz scores: each trainee's best finished attempt; empty when none is finished."),
    ]
    return Table(title=_("Progress"), header=header, rows=rows, notes=notes)


def _mastery_table(mastery: CohortMastery) -> Table:
    header = [
        _("Kind"),
        _("Framework"),
        _("Code"),
        _("Title"),
        _("Trainees assessed"),
        str(reports.LEVEL_LABELS[Level.MASTERED]),
        str(reports.LEVEL_LABELS[Level.DEVELOPING]),
        str(reports.LEVEL_LABELS[Level.NEEDS_WORK]),
        str(reports.LEVEL_LABELS[Level.NOT_ENOUGH_EVIDENCE]),
        _("Not assessed"),
        _("Mean (%)"),
    ]

    def line(kind: str, framework: str, obj, pooled: PooledMastery) -> list:
        return [
            kind,
            framework,
            obj.code,
            obj.title,
            pooled.assessed,
            pooled.mastered,
            pooled.developing,
            pooled.needs_work,
            pooled.not_enough_evidence,
            pooled.not_assessed,
            pooled.mean_percent,
        ]

    rows = [
        line(_("Indicator"), i.obj.domain.framework.short_title, i.obj, i.pooled)
        for i in mastery.indicators
    ]
    rows += [
        line(_("Domain"), d.obj.framework.short_title, d.obj, d.pooled) for d in mastery.domains
    ]
    notes = [
        _(
            "From the answers to the course's quizzes; only each trainee's latest answer to a "
            "question counts. Mean: of the assessed trainees' percents, rounded down."
        )
    ]
    return Table(title=_("Mastery"), header=header, rows=rows, notes=notes)


def matrix_export_tables(cohort: Cohort, *, now: datetime | None = None) -> list[Table]:
    """The progress matrix ("Progress": one row per trainee, in name order) and the
    cohort's mastery ("Mastery": one row per indicator, then per domain), headers in the
    active language. A fixed number of queries."""
    now = now or timezone.now()
    matrix = progress_matrix(cohort, now=now)
    mastery = cohort_mastery(
        cohort, trainees=matrix.trainees, quiz_ids=[q.id for q in matrix.quizzes]
    )
    return [_progress_table(matrix, now), _mastery_table(mastery)]
