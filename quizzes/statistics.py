"""Item analysis as pure computation, the way Moodle's quiz statistics report computes it.

No ORM, no clock, no request. The caller hands over the graded attempts of a quiz
(`AttemptRecord`) and one `ResponseRecord` per question per attempt; these functions work
out the quiz summary, per-question statistics, their rollup to indicators and domains,
and the rows of a CSV export.

What counts
-----------
- An attempt counts when its score is a finite number and its max score a finite number
  above 0. Attempts that do not count are skipped everywhere, and their responses with
  them. Attempt ids are unique: a later record with the same id replaces the earlier one.
- Responses whose attempt is not among the counted attempts are ignored entirely (counted
  nowhere, not even in `unanswered`). An attempt holds a question once: a later record for
  the same attempt and question replaces the earlier one.
- Within a counted attempt, a response counts when its score is a finite number and its
  max score a finite number above 0. Every question with a response in a counted attempt
  gets a row; when none of its responses counts, `responses` is 0 and the indexes are None.
- Scores are taken as given (not clamped to 0..max). Arithmetic is exact: each number is
  read as the decimal it prints as (as `grading.grade_attempt` does); square roots are
  taken to 40 significant digits. Every index is rounded half away from zero to 2 decimals.

Formulas
--------
- Attempt percent: `100 * score / max_score`.
- Quiz summary over the attempt percents: mean; median (the middle value, or the mean of
  the two middle values for an even count); sample standard deviation
  `sqrt(sum((p - mean)^2) / (n - 1))`, as Moodle reports it.
- Facility index (Moodle): `100 * mean(score / max_score)` over the question's responses.
- Standard deviation of a question: the sample standard deviation of
  `100 * score / max_score` over its responses.
- Discrimination index (Moodle): `100 * r`, where r is Pearson's correlation, across the
  attempts holding the question, between x = the question's score and y = the rest of the
  attempt (the attempt's score minus the question's score):
  `r = sum(dx * dy) / sqrt(sum(dx^2) * sum(dy^2))` with dx = x - mean(x), dy = y - mean(y).
- Choice counts: how many responses chose each choice key, keys sorted (by key, so that the
  order never depends on the order of the input); a key chosen twice in one response counts
  once; the choices of a response left blank (`answered=False`) are not counted.
- None, never an exception, where a figure cannot be computed: mean and median with no
  attempt; a standard deviation with fewer than 2 values; the discrimination index with
  fewer than 2 responses or when x or y does not vary (zero variance). A figure too large
  for a float (absurd scores) comes out as inf.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, localcontext
from fractions import Fraction

DECIMALS = 2

QUESTION_CSV_COLUMNS = (
    "question_id",
    "title",
    "responses",
    "facility_index",
    "standard_deviation",
    "discrimination_index",
    "unanswered",
    "choice_counts",
)

# A spreadsheet reads a cell starting with one of these as a formula (CSV injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class AttemptRecord:
    attempt_id: int
    score: float  # total marks of the attempt
    max_score: float


@dataclass(frozen=True)
class ResponseRecord:
    """One question in one attempt."""

    attempt_id: int
    question_id: int
    score: float
    max_score: float
    chosen: tuple[
        str, ...
    ] = ()  # choice keys selected (choice kinds); () = none / not a choice kind
    answered: bool = True  # False when left blank


@dataclass(frozen=True)
class QuizSummary:
    """Over the attempt percents: count, mean, median, sample standard deviation."""

    attempts: int  # attempts counted
    mean: float | None
    median: float | None
    standard_deviation: float | None


@dataclass(frozen=True)
class QuestionStatistics:
    """One question's item analysis; percents with 2 decimals (see the module docstring)."""

    question_id: int
    responses: int  # responses counted
    facility_index: float | None  # 100 * mean(score / max_score)
    standard_deviation: float | None  # sample SD of 100 * score / max_score
    discrimination_index: float | None  # 100 * Pearson r(question score, rest of attempt)
    choice_counts: dict[str, int] = field(default_factory=dict)  # key -> times chosen, by key
    unanswered: int = 0  # responses counted that were left blank


@dataclass(frozen=True)
class GroupStatistics:
    """Questions of one indicator or domain pooled: facility weighted by responses."""

    id: int
    questions: int  # distinct questions tagged with the group
    responses: int  # their responses, summed
    facility_index: float | None  # sum(facility * responses) / sum(responses)


@dataclass(frozen=True)
class Rollup:
    indicators: tuple[GroupStatistics, ...] = ()  # sorted by id
    domains: tuple[GroupStatistics, ...] = ()  # sorted by id


# --- helpers -------------------------------------------------------------------------


def _exact(value: float) -> Fraction | None:
    """The value as the decimal it prints as, or None when it is not a finite number."""
    try:
        number = float(value)  # a float, an int or a Decimal from a model field
    except (TypeError, ValueError, OverflowError):
        return None
    if not math.isfinite(number):
        return None
    return Fraction(repr(number))


def _positive(value: float) -> Fraction | None:
    number = _exact(value)
    return number if number is not None and number > 0 else None


def _round(value: Fraction) -> float:
    """Round half away from zero to `DECIMALS` decimals (as Moodle displays figures)."""
    scaled = value * 10**DECIMALS
    magnitude = math.floor(abs(scaled) + Fraction(1, 2))
    # Through Decimal, which turns an absurdly large figure into inf instead of raising.
    return float(Decimal(-magnitude if scaled < 0 else magnitude).scaleb(-DECIMALS))


def _sqrt(value: Fraction) -> Fraction:
    """The square root of a value >= 0, to 40 significant digits."""
    with localcontext(prec=40):
        return Fraction(Decimal(value.numerator).sqrt() / Decimal(value.denominator).sqrt())


def _mean(values: list[Fraction]) -> Fraction:
    return sum(values, Fraction(0)) / len(values)


def _median(values: list[Fraction]) -> Fraction:
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def _squares(values: list[Fraction]) -> Fraction:
    """Sum of squared deviations from the mean."""
    mean = _mean(values)
    return sum(((value - mean) ** 2 for value in values), Fraction(0))


def _sample_sd(values: list[Fraction]) -> float | None:
    """`sqrt(sum((v - mean)^2) / (n - 1))`, None for fewer than 2 values."""
    if len(values) < 2:
        return None
    return _round(_sqrt(_squares(values) / (len(values) - 1)))


def _pearson_percent(xs: list[Fraction], ys: list[Fraction]) -> float | None:
    """`100 * sum(dx * dy) / sqrt(sum(dx^2) * sum(dy^2))`; None if n < 2 or no variance."""
    if len(xs) < 2:
        return None
    sxx, syy = _squares(xs), _squares(ys)
    if sxx == 0 or syy == 0:
        return None
    mean_x, mean_y = _mean(xs), _mean(ys)
    sxy = sum(((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)), Fraction(0))
    r = _sqrt(sxy * sxy / (sxx * syy))  # r² is exact, so a perfect correlation is exactly 1
    return _round(100 * (r if sxy >= 0 else -r))


def _counted_attempts(attempts: Iterable[AttemptRecord]) -> dict[int, tuple[Fraction, Fraction]]:
    """Attempt id -> exact (score, max score) of the attempts that count."""
    latest = {attempt.attempt_id: attempt for attempt in attempts}  # a later record replaces
    counted: dict[int, tuple[Fraction, Fraction]] = {}
    for attempt_id, attempt in latest.items():
        score, max_score = _exact(attempt.score), _positive(attempt.max_score)
        if score is not None and max_score is not None:
            counted[attempt_id] = (score, max_score)
    return counted


# --- entry points --------------------------------------------------------------------


def quiz_summary(attempts: Iterable[AttemptRecord]) -> QuizSummary:
    """Count, mean, median and sample SD of the attempt percents `100 * score / max_score`.

    Mean and median are None with no attempt; the SD `sqrt(sum((p - mean)^2) / (n - 1))`
    is None with fewer than 2. Figures rounded to 2 decimals.
    """
    percents = [
        100 * score / max_score for score, max_score in _counted_attempts(attempts).values()
    ]
    if not percents:
        return QuizSummary(attempts=0, mean=None, median=None, standard_deviation=None)
    return QuizSummary(
        attempts=len(percents),
        mean=_round(_mean(percents)),
        median=_round(_median(percents)),
        standard_deviation=_sample_sd(percents),
    )


def question_statistics(
    attempts: Iterable[AttemptRecord], responses: Iterable[ResponseRecord]
) -> tuple[QuestionStatistics, ...]:
    """One `QuestionStatistics` per question, sorted by question id.

    facility = `100 * mean(score / max_score)`; SD = sample SD of `100 * score / max_score`;
    discrimination = `100 * r(x, y)` with x the question's score and y the attempt's score
    minus x, across the attempts holding the question. See the module docstring.
    """
    attempt_scores = {
        attempt_id: score for attempt_id, (score, _max) in _counted_attempts(attempts).items()
    }
    by_slot: dict[tuple[int, int], ResponseRecord] = {}
    for response in responses:
        if response.attempt_id in attempt_scores:
            by_slot[(response.attempt_id, response.question_id)] = response

    by_question: dict[int, list[ResponseRecord]] = {}
    for (_attempt_id, question_id), response in by_slot.items():
        by_question.setdefault(question_id, []).append(response)

    return tuple(
        _question_statistics(question_id, by_question[question_id], attempt_scores)
        for question_id in sorted(by_question)
    )


def _question_statistics(
    question_id: int, responses: list[ResponseRecord], attempt_scores: Mapping[int, Fraction]
) -> QuestionStatistics:
    percents: list[Fraction] = []  # 100 * score / max_score
    marks: list[Fraction] = []  # x: the question's score
    rests: list[Fraction] = []  # y: the rest of the attempt
    choice_counts: dict[str, int] = {}
    unanswered = 0
    for response in responses:
        score, max_score = _exact(response.score), _positive(response.max_score)
        if score is None or max_score is None:
            continue
        percents.append(100 * score / max_score)
        marks.append(score)
        rests.append(attempt_scores[response.attempt_id] - score)
        if not response.answered:
            unanswered += 1
            continue
        for key in set(response.chosen):
            choice_counts[key] = choice_counts.get(key, 0) + 1
    return QuestionStatistics(
        question_id=question_id,
        responses=len(percents),
        facility_index=_round(_mean(percents)) if percents else None,
        standard_deviation=_sample_sd(percents),
        discrimination_index=_pearson_percent(marks, rests),
        choice_counts={key: choice_counts[key] for key in sorted(choice_counts)},
        unanswered=unanswered,
    )


def rollup(
    stats: Iterable[QuestionStatistics],
    *,
    indicators_of: Mapping[int, tuple[int, ...]],
    domain_of: Mapping[int, int],
) -> Rollup:
    """Pool question statistics by indicator and by domain.

    For each group, over the distinct questions tagged with it (`indicators_of`: question
    id -> indicator ids; `domain_of`: indicator id -> domain id):
    `facility = sum(facility_q * responses_q) / sum(responses_q)`, i.e. the facility
    pooled over all their responses (from the questions' 2-decimal facility indexes), None
    when no question has a response. A question tagged with two indicators of one domain
    counts once for that domain; indicators missing from `domain_of` are skipped for
    domains; questions missing from `indicators_of` are in no group. A group appears when
    at least one question is tagged with it, even one without responses. Sorted by id.
    """
    questions = {item.question_id: item for item in stats}  # a later row replaces
    by_indicator: dict[int, list[QuestionStatistics]] = {}
    by_domain: dict[int, list[QuestionStatistics]] = {}
    for question_id, item in questions.items():
        indicator_ids = set(indicators_of.get(question_id, ()))
        for indicator_id in indicator_ids:
            by_indicator.setdefault(indicator_id, []).append(item)
        for domain_id in {domain_of[i] for i in indicator_ids if i in domain_of}:
            by_domain.setdefault(domain_id, []).append(item)
    return Rollup(indicators=_groups(by_indicator), domains=_groups(by_domain))


def _groups(groups: Mapping[int, list[QuestionStatistics]]) -> tuple[GroupStatistics, ...]:
    return tuple(_group(group_id, groups[group_id]) for group_id in sorted(groups))


def _group(group_id: int, items: list[QuestionStatistics]) -> GroupStatistics:
    responses = 0
    weighted = Fraction(0)
    for item in items:
        if item.facility_index is None or item.responses <= 0:
            continue
        facility = _exact(item.facility_index)
        if facility is not None:
            responses += item.responses
            weighted += facility * item.responses
    return GroupStatistics(
        id=group_id,
        questions=len(items),
        responses=responses,
        facility_index=_round(weighted / responses) if responses else None,
    )


def text_cell(text: str) -> str:
    """Text for a CSV cell; a leading apostrophe stops a spreadsheet reading a formula."""
    return f"'{text}" if text.startswith(_FORMULA_STARTS) else text


def _number_cell(value: float | None) -> str:
    return "" if value is None else f"{value:.{DECIMALS}f}"


def question_csv_rows(
    stats: Iterable[QuestionStatistics], titles: Mapping[int, str]
) -> Iterator[list[str]]:
    """Rows for a CSV export: first `QUESTION_CSV_COLUMNS` (raw keys the view translates),
    then one row per question in the order given.

    Indexes with 2 decimals ("66.67"), None as ""; `choice_counts` as "a=3; b=1"; a
    missing title as "". Text cells (title, choice counts) starting with = + - @, a tab or a
    carriage return get a leading apostrophe (CSV injection); numeric cells are never
    altered, so a negative discrimination index stays a number.
    """
    yield list(QUESTION_CSV_COLUMNS)
    for item in stats:
        counts = "; ".join(f"{key}={count}" for key, count in item.choice_counts.items())
        yield [
            str(item.question_id),
            text_cell(titles.get(item.question_id, "")),
            str(item.responses),
            _number_cell(item.facility_index),
            _number_cell(item.standard_deviation),
            _number_cell(item.discrimination_index),
            str(item.unanswered),
            text_cell(counts),
        ]
