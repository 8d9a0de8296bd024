"""Programme reports: trainees enrolled and completed, broken down by country, region,
course, MIGOF element or period, for the cohorts a trainer runs (every enrolment for an
administrator).

- The unit of count is an enrolment (a learner in a course). A trainer's reports count the
  enrolments of their cohorts' trainees in each cohort's course; an administrator's count
  every enrolment, self-paced learners in no cohort included.
- Enrolled: enrolments (active or left) that began in the period; completed: enrolments
  completed in the period. Without dates, every enrolment and every completion.
- Counts are aggregated in the database: a fixed number of queries whatever the number of
  enrolments. Small counts are then suppressed (cohorts/suppression.py) before anything is
  shown or exported.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta

from django.db import models
from django.db.models import CharField, Count, DateField, Exists, F, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce, NullIf, Trunc
from django.utils import timezone
from django.utils.dateformat import format as format_date
from django.utils.formats import date_format, get_format
from django.utils.translation import get_language, gettext, pgettext
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from case_studies.choices import Region
from courses.models import CoursePage, Enrolment
from courses.selectors import outlines_for

from . import access, suppression
from .models import Membership
from .tables import Table


class Dimension(models.TextChoices):
    """What a report breaks its counts down by."""

    COUNTRY = "country", _("Country")
    REGION = "region", _("Region")
    COURSE = "course", _("Course")
    ELEMENT = "element", _("MIGOF element")
    PERIOD = "period", _("Period")


TITLES = {
    Dimension.COUNTRY: _("Enrolled and completed by country"),
    Dimension.REGION: _("Enrolled and completed by region"),
    Dimension.COURSE: _("Enrolled and completed by course"),
    Dimension.ELEMENT: _("Enrolled and completed by MIGOF element"),
    Dimension.PERIOD: _("Enrolled and completed by period"),
}


class Granularity(models.TextChoices):
    """The length of the periods of a breakdown by period (a `Trunc` kind)."""

    MONTH = "month", _("Month")
    QUARTER = "quarter", _("Quarter")
    YEAR = "year", _("Year")


DEFAULT_DIMENSION = Dimension.COUNTRY
DEFAULT_GRANULARITY = Granularity.MONTH


@dataclass(frozen=True)
class ReportFilters:
    dimension: str = DEFAULT_DIMENSION
    granularity: str = DEFAULT_GRANULARITY
    date_from: date | None = None
    date_to: date | None = None
    course_id: int | None = None
    cohort_id: int | None = None

    def as_params(self) -> dict[str, str]:
        """As query parameters (the export form, an export job): every key, "" when unset."""
        return {
            "dimension": self.dimension,
            "granularity": self.granularity,
            "date_from": self.date_from.isoformat() if self.date_from else "",
            "date_to": self.date_to.isoformat() if self.date_to else "",
            "course": str(self.course_id) if self.course_id is not None else "",
            "cohort": str(self.cohort_id) if self.cohort_id is not None else "",
        }


@dataclass(frozen=True)
class FilterChoices:
    """What this user may filter on: the courses and cohorts within their reports."""

    sees_all: bool
    courses: tuple[tuple[int, str], ...]
    cohorts: tuple[tuple[int, str], ...]

    @property
    def dimensions(self) -> list[tuple[str, str]]:
        return Dimension.choices

    @property
    def granularities(self) -> list[tuple[str, str]]:
        return Granularity.choices


def filter_choices(user) -> FilterChoices:
    """Courses and cohorts for the filter form: one query for a trainer, two for an
    administrator (who may pick any course, including those no cohort follows)."""
    sees_all = access.sees_all(user)
    cohorts = list(
        access.cohorts_for(user)
        .order_by("-starts_on", "name", "pk")
        .values_list("pk", "name", "course_id", "course__title")
    )
    if sees_all:
        courses = list(CoursePage.objects.order_by("title", "pk").values_list("pk", "title"))
    else:
        courses = sorted(
            {(course_id, title) for _pk, _name, course_id, title in cohorts},
            key=lambda pair: (pair[1].casefold(), pair[0]),
        )
    return FilterChoices(
        sees_all=sees_all,
        courses=tuple(courses),
        cohorts=tuple(
            (pk, gettext("%(cohort)s (%(course)s)") % {"cohort": name, "course": title})
            for pk, name, _course_id, title in cohorts
        ),
    )


def _parse_date(raw: str, label: str, notices: list[str]) -> date | None:
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        notices.append(
            gettext("“%(value)s” is not a date (write it as 2026-01-31): the %(which)s is ignored.")
            % {"value": raw[:40], "which": label}
        )
        return None


def _parse_id(raw: str, allowed: set[int]) -> int | None:
    try:
        value = int(raw)
    except ValueError:
        return None
    return value if value in allowed else None


def parse_filters(
    params: Mapping[str, object], choices: FilterChoices
) -> tuple[ReportFilters, list[str]]:
    """The filters from query parameters. A value that is not understood, or a course or
    cohort outside the user's reports, is left out, with a notice saying so."""
    notices: list[str] = []

    def raw(key: str) -> str:
        value = params.get(key)
        return "" if value is None else str(value).strip()

    dimension = raw("dimension") or DEFAULT_DIMENSION
    if dimension not in Dimension.values:
        notices.append(
            gettext("“%(value)s” is not a breakdown of this report: showing it by country.")
            % {"value": dimension[:40]}
        )
        dimension = DEFAULT_DIMENSION
    granularity = raw("granularity") or DEFAULT_GRANULARITY
    if granularity not in Granularity.values:
        notices.append(
            gettext("“%(value)s” is not a length of period: counting by month.")
            % {"value": granularity[:40]}
        )
        granularity = DEFAULT_GRANULARITY
    date_from = _parse_date(raw("date_from"), gettext("start date"), notices)
    date_to = _parse_date(raw("date_to"), gettext("end date"), notices)
    if date_from and date_to and date_from > date_to:
        notices.append(
            gettext(
                "The start date (%(start)s) is after the end date (%(end)s): both dates are "
                "ignored."
            )
            % {"start": date_from.isoformat(), "end": date_to.isoformat()}
        )
        date_from = date_to = None
    course_id = None
    if raw("course"):
        course_id = _parse_id(raw("course"), {pk for pk, _title in choices.courses})
        if course_id is None:
            notices.append(gettext("That course is not in your reports: showing every course."))
    cohort_id = None
    if raw("cohort"):
        cohort_id = _parse_id(raw("cohort"), {pk for pk, _name in choices.cohorts})
        if cohort_id is None:
            notices.append(
                gettext("That cohort is not one you can report on: showing every cohort.")
            )
    return (
        ReportFilters(
            dimension=dimension,
            granularity=granularity,
            date_from=date_from,
            date_to=date_to,
            course_id=course_id,
            cohort_id=cohort_id,
        ),
        notices,
    )


# --- the report -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportRow:
    label: str
    enrolled: suppression.ShownCount
    completed: suppression.ShownCount
    enrolled_bar: int | None = None  # bar length, % of the chart's bar area; None: no bar
    completed_bar: int | None = None


@dataclass(frozen=True)
class Definition:
    term: str
    text: str


@dataclass
class ProgrammeReport:
    filters: ReportFilters
    sees_all: bool
    dimension_label: str
    rows: list[ReportRow]
    total_enrolled: suppression.ShownCount
    total_completed: suppression.ShownCount
    definitions: list[Definition] = field(default_factory=list)
    filter_summary: list[str] = field(default_factory=list)
    any_suppressed: bool = False
    any_hidden: bool = False
    rows_overlap: bool = False  # MIGOF elements: an enrolment counts under several rows

    @property
    def title(self) -> str:
        return str(TITLES[self.filters.dimension])

    @property
    def threshold(self) -> int:
        return suppression.THRESHOLD

    @property
    def suppression_note(self) -> str:
        return gettext(
            "Counts below %(threshold)s (0 included) are shown as “%(text)s” so that no one "
            "can be identified; no bar is drawn for them."
        ) % {"threshold": suppression.THRESHOLD, "text": suppression.SUPPRESSED_TEXT}

    @property
    def hidden_note(self) -> str:
        return gettext(
            "“%(text)s”: hidden so that a count below %(threshold)s cannot be worked out from "
            "the total."
        ) % {"text": suppression.HIDDEN_TEXT, "threshold": suppression.THRESHOLD}

    @property
    def overlap_note(self) -> str:
        return gettext(
            "An enrolment counts once under each MIGOF element its course covers, so the rows "
            "add up to more than the total."
        )

    @property
    def notes(self) -> list[str]:
        """Everything a reader of an export needs to read the table right."""
        notes = [*self.filter_summary]
        notes += [f"{d.term}: {d.text}" for d in self.definitions]
        notes.append(self.suppression_note)
        if self.any_hidden:
            notes.append(self.hidden_note)
        if self.rows_overlap:
            notes.append(self.overlap_note)
        return notes

    def as_table(self) -> Table:
        header = [self.dimension_label, gettext("Enrolled"), gettext("Completed")]
        rows: list[list] = [[r.label, r.enrolled.cell, r.completed.cell] for r in self.rows]
        rows.append([gettext("Total"), self.total_enrolled.cell, self.total_completed.cell])
        return Table(title=self.title, header=header, rows=rows, notes=self.notes)


def _bounds(filters: ReportFilters) -> tuple[datetime | None, datetime | None]:
    """The period as [start, end) instants in the current time zone."""
    zone = timezone.get_current_timezone()
    start = end = None
    if filters.date_from:
        start = datetime.combine(filters.date_from, time.min, tzinfo=zone)
    if filters.date_to and filters.date_to < date.max:
        end = datetime.combine(filters.date_to + timedelta(days=1), time.min, tzinfo=zone)
    return start, end


def _within(field_name: str, start: datetime | None, end: datetime | None) -> Q:
    q = Q()
    if start is not None:
        q &= Q(**{f"{field_name}__gte": start})
    if end is not None:
        q &= Q(**{f"{field_name}__lt": end})
    return q


@dataclass(frozen=True)
class _Counts:
    enrolled: int = 0
    completed: int = 0

    def __add__(self, other: _Counts) -> _Counts:
        return _Counts(self.enrolled + other.enrolled, self.completed + other.completed)


def _scope(user, filters: ReportFilters):
    """The enrolments this report counts, and the learner's cohort for each (the one they
    joined first among those in scope) as a subquery on cohort memberships."""
    memberships = Membership.objects.filter(
        user_id=OuterRef("user_id"), cohort__course_id=OuterRef("course_id")
    )
    sees_all = access.sees_all(user)
    if not sees_all:
        memberships = memberships.filter(cohort__in=access.cohorts_for(user).values("pk"))
    if filters.cohort_id is not None:
        memberships = memberships.filter(cohort_id=filters.cohort_id)
    enrolments = Enrolment.objects.all()
    if not sees_all or filters.cohort_id is not None:
        enrolments = enrolments.filter(Exists(memberships))
    if filters.course_id is not None:
        enrolments = enrolments.filter(course_id=filters.course_id)
    return enrolments, memberships.order_by("joined_at", "pk")


def _cohort_value(memberships, name: str) -> Subquery:
    return Subquery(memberships.values(f"cohort__{name}")[:1], output_field=CharField())


def _grouped(enrolments, key, enrolled_q: Q, completed_q: Q) -> dict[object, _Counts]:
    counts: dict[object, _Counts] = {}
    rows = (
        enrolments.values(key=key)
        .annotate(
            enrolled=Count("pk", filter=enrolled_q or None),
            completed=Count("pk", filter=completed_q),
        )
        .order_by()
    )
    for row in rows:
        counts[row["key"]] = counts.get(row["key"], _Counts()) + _Counts(
            row["enrolled"], row["completed"]
        )
    return counts


def _period_label(day: date, granularity: str) -> str:
    if granularity == Granularity.YEAR:
        return str(day.year)
    if granularity == Granularity.QUARTER:
        return pgettext("a quarter of a year", "%(year)s Q%(quarter)s") % {
            "year": day.year,
            "quarter": (day.month - 1) // 3 + 1,
        }
    return date_format(day, "YEAR_MONTH_FORMAT")


def _by_period(enrolments, filters, enrolled_q, completed_q) -> list[tuple[str, _Counts]]:
    def truncated(field_name: str, q: Q) -> dict[date, int]:
        queryset = enrolments.filter(q) if q else enrolments
        rows = (
            queryset.annotate(
                period=Trunc(field_name, filters.granularity, output_field=DateField())
            )
            .values("period")
            .annotate(n=Count("pk"))
            .order_by()
        )
        return {row["period"]: row["n"] for row in rows}

    enrolled = truncated("enrolled_at", enrolled_q)
    completed = truncated("completed_at", completed_q)
    return [
        (
            _period_label(day, filters.granularity),
            _Counts(enrolled.get(day, 0), completed.get(day, 0)),
        )
        for day in sorted(set(enrolled) | set(completed))
    ]


def _element_titles() -> tuple[list[str], dict[str, str]]:
    """MIGOF element codes in framework order, and their titles in the current language
    (the default locale's where a page is not translated)."""
    from framework_content.models import FrameworkElementPage

    language = (get_language() or "").split("-")[0]
    order: list[str] = []
    titles: dict[str, str] = {}
    for code, title, lang in FrameworkElementPage.objects.order_by("path").values_list(
        "code", "title", "locale__language_code"
    ):
        if code not in titles:
            order.append(code)
            titles[code] = title
        elif lang.split("-")[0] == language:
            titles[code] = title
    return order, titles


def _by_element(by_course: dict[int, _Counts]) -> list[tuple[str, _Counts]]:
    outlines = outlines_for(by_course)
    order, titles = _element_titles()
    per_element: dict[str, _Counts] = defaultdict(_Counts)
    without = _Counts()
    for course_id, counts in by_course.items():
        codes = outlines[course_id].element_codes
        if not codes:
            without = without + counts
        for code in codes:
            per_element[code] = per_element[code] + counts
    position = {code: i for i, code in enumerate(order)}
    rows = [
        (f"{code} {titles.get(code, '')}".strip(), per_element[code])
        for code in sorted(per_element, key=lambda c: (position.get(c, len(order)), c))
    ]
    if without != _Counts():
        rows.append((gettext("No MIGOF element recorded"), without))
    return rows


def _by_label(counts: dict[object, _Counts], label, *, last: str) -> list[tuple[str, _Counts]]:
    labelled = [(label(key), value) for key, value in counts.items()]
    return sorted(labelled, key=lambda pair: (pair[0] == last, pair[0].casefold()))


def _country_label(code: object) -> str:
    return str(countries.name(str(code))) if code else gettext("Not recorded")


def _region_rows(counts: dict[object, _Counts]) -> list[tuple[str, _Counts]]:
    """Regions in their usual order, then learners in no cohort (no region)."""
    labels = dict(Region.choices)
    order = {value: i for i, value in enumerate(labels)}
    rows = [
        (str(labels.get(key, key)), value)
        for key, value in sorted(
            ((k, v) for k, v in counts.items() if k is not None),
            key=lambda pair: (order.get(pair[0], len(order)), str(pair[0])),
        )
    ]
    if None in counts:
        rows.append((gettext("Self-paced (no cohort)"), counts[None]))
    return rows


def _course_titles(course_ids) -> dict[int, str]:
    return dict(CoursePage.objects.filter(pk__in=list(course_ids)).values_list("pk", "title"))


def _bars(rows: list[ReportRow]) -> list[ReportRow]:
    """Bar lengths relative to the largest count that is shown; none for any other."""
    values = [
        cell.value
        for row in rows
        for cell in (row.enrolled, row.completed)
        if cell.is_shown and cell.value is not None
    ]
    top = max(values, default=0)

    def length(cell: suppression.ShownCount) -> int | None:
        if not cell.is_shown or cell.value is None or top == 0:
            return None
        return max(1, round(100 * cell.value / top))

    return [
        replace(row, enrolled_bar=length(row.enrolled), completed_bar=length(row.completed))
        for row in rows
    ]


def _date_text(day: date) -> str:
    return format_date(day, get_format("DATE_FORMAT"))


def _summary(filters: ReportFilters, choices: FilterChoices | None) -> list[str]:
    summary = []
    if filters.date_from and filters.date_to:
        summary.append(
            gettext("Period: %(start)s to %(end)s.")
            % {"start": _date_text(filters.date_from), "end": _date_text(filters.date_to)}
        )
    elif filters.date_from:
        summary.append(
            gettext("Period: from %(start)s.") % {"start": _date_text(filters.date_from)}
        )
    elif filters.date_to:
        summary.append(gettext("Period: up to %(end)s.") % {"end": _date_text(filters.date_to)})
    else:
        summary.append(gettext("Period: all dates."))
    if choices is not None:
        if filters.course_id is not None:
            title = dict(choices.courses).get(filters.course_id, "")
            summary.append(gettext("Course: %(course)s.") % {"course": title})
        if filters.cohort_id is not None:
            name = dict(choices.cohorts).get(filters.cohort_id, "")
            summary.append(gettext("Cohort: %(cohort)s.") % {"cohort": name})
    return summary


def _definitions(filters: ReportFilters, sees_all: bool) -> list[Definition]:
    dated = filters.date_from is not None or filters.date_to is not None
    definitions = [
        Definition(
            gettext("Who is counted"),
            gettext(
                "Every enrolment (a learner in a course), including self-paced learners who "
                "are in no cohort."
            )
            if sees_all
            else gettext(
                "Enrolments (a learner in a course) of the trainees of the cohorts you train, "
                "in each cohort's course. A learner in two of them counts once."
            ),
        ),
        Definition(
            gettext("Enrolled"),
            gettext("Enrolments, still active or since left, that began in the period.")
            if dated
            else gettext("Every enrolment, still active or since left."),
        ),
        Definition(
            gettext("Completed"),
            gettext("Enrolments completed in the period, whenever they began.")
            if dated
            else gettext("Enrolments whose course has been completed."),
        ),
    ]
    explain = {
        Dimension.COUNTRY: gettext(
            "The learner's country in their profile; if they have not given one, the "
            "country of their cohort."
        ),
        Dimension.REGION: gettext(
            "The region of the learner's cohort (the one joined first); learners in no "
            "cohort are counted as self-paced."
        ),
        Dimension.COURSE: gettext("The course of the enrolment."),
        Dimension.ELEMENT: gettext(
            "The MIGOF principles and objectives the course's modules belong to."
        ),
        Dimension.PERIOD: gettext(
            "Enrolments are counted in the %(period)s they began, completions in the "
            "%(period)s they were completed."
        )
        % {"period": str(Granularity(filters.granularity).label).lower()},
    }
    definitions.append(
        Definition(str(Dimension(filters.dimension).label), explain[filters.dimension])
    )
    return definitions


def programme_report(
    user, filters: ReportFilters, *, choices: FilterChoices | None = None
) -> ProgrammeReport:
    """The report this user may see with these filters (already checked by parse_filters:
    the scope is applied here again whatever they say)."""
    enrolments, memberships = _scope(user, filters)
    start, end = _bounds(filters)
    enrolled_q = _within("enrolled_at", start, end)
    completed_q = Q(completed_at__isnull=False) & _within("completed_at", start, end)
    if enrolled_q:
        enrolments = enrolments.filter(enrolled_q | completed_q)

    labelled: list[tuple[str, _Counts]]
    total: _Counts
    if filters.dimension == Dimension.PERIOD:
        labelled = _by_period(enrolments, filters, enrolled_q, completed_q)
        total = sum((counts for _label, counts in labelled), _Counts())
    elif filters.dimension in (Dimension.COURSE, Dimension.ELEMENT):
        by_course = _grouped(enrolments, F("course_id"), enrolled_q, completed_q)
        total = sum(by_course.values(), _Counts())
        if filters.dimension == Dimension.ELEMENT:
            labelled = _by_element(by_course)
        else:
            titles = _course_titles(by_course)
            labelled = _by_label(by_course, lambda pk: titles.get(pk, ""), last="")
    else:
        if filters.dimension == Dimension.REGION:
            key = _cohort_value(memberships, "region")
        else:
            key = Coalesce(
                NullIf("user__country", Value("")),
                NullIf(_cohort_value(memberships, "country"), Value("")),
                output_field=CharField(),
            )
        counts = _grouped(enrolments, key, enrolled_q, completed_q)
        total = sum(counts.values(), _Counts())
        if filters.dimension == Dimension.REGION:
            labelled = _region_rows(counts)
        else:
            labelled = _by_label(counts, _country_label, last=gettext("Not recorded"))

    table = suppression.suppress(
        [(counts.enrolled, counts.completed) for _label, counts in labelled],
        (total.enrolled, total.completed),
    )
    rows = _bars(
        [
            ReportRow(label=label, enrolled=cells[0], completed=cells[1])
            for (label, _counts), cells in zip(labelled, table.rows, strict=True)
        ]
    )
    sees_all = access.sees_all(user)
    return ProgrammeReport(
        filters=filters,
        sees_all=sees_all,
        dimension_label=str(Dimension(filters.dimension).label),
        rows=rows,
        total_enrolled=table.totals[0],
        total_completed=table.totals[1],
        definitions=_definitions(filters, sees_all),
        filter_summary=_summary(filters, choices),
        any_suppressed=table.any_suppressed,
        any_hidden=table.any_hidden,
        rows_overlap=filters.dimension == Dimension.ELEMENT,
    )


def report_export(user, params: Mapping[str, object]) -> tuple[list[Table], str]:
    """The tables of a programme report export and a file name stem, for cohorts/exports.py.

    Raises LookupError when the export names a cohort or course the user can no longer
    report on (their access is checked again when the file is prepared)."""
    choices = filter_choices(user)
    filters, notices = parse_filters(params, choices)
    for key, chosen in (("cohort", filters.cohort_id), ("course", filters.course_id)):
        if params.get(key) not in (None, "") and chosen is None:
            raise LookupError(key)
    report = programme_report(user, filters, choices=choices)
    table = report.as_table()
    table.notes = [*notices, *table.notes]
    return [table], f"programme-report-by-{filters.dimension}"
