"""Reads for display: outlines, a learner's progress, the catalogue, the dashboard.

Each function runs a fixed number of queries whatever the number of courses, modules,
lessons or enrolments.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.db.models.functions import Coalesce, Substr
from django.utils.translation import get_language
from wagtail.models import Page

from framework_content.models import FrameworkElementPage
from training_site.content_cache import cached, cached_many

from .choices import Level
from .models import Certificate, CourseModule, CoursePage, Enrolment, ItemProgress
from .progress import (
    CourseOutline,
    Fraction,
    ItemRef,
    ModuleOutline,
    course_progress,
    module_progress,
    next_item,
)
from .progress_versions import kept_data_for_learner, kept_for_learner
from .registry import item_model_labels


def _item_content_types() -> list[int]:
    ids = []
    for label in item_model_labels():
        app_label, model = label.split(".")
        ids.append(ContentType.objects.get_by_natural_key(app_label, model).pk)
    return ids


def _element_codes() -> dict[str, str]:
    """Element page path → code, for naming the element a module sits under."""
    return dict(FrameworkElementPage.objects.values_list("path", "code"))


def outlines_for(course_ids: Iterable[int]) -> dict[int, CourseOutline]:
    """Each course's modules and their live items, in order: cached until the content
    changes, and three queries in all for the courses not cached."""
    return cached_many("course-outline", course_ids, _build_outlines)


def _build_outlines(course_ids: list[int]) -> dict[int, CourseOutline]:
    links = list(
        CourseModule.objects.filter(course_id__in=course_ids, module__live=True)
        .select_related("module")
        .order_by("course_id", "sort_order", "pk")
    )
    modules = {link.module.pk: link.module for link in links}
    by_depth: dict[int, set[str]] = defaultdict(set)
    for module in modules.values():
        by_depth[module.depth].add(module.path)
    items_by_parent: dict[str, list[ItemRef]] = defaultdict(list)
    item_types = _item_content_types() if by_depth else []
    # Modules normally all sit at one depth, so this is one query.
    for depth, paths in by_depth.items():
        items = (
            Page.objects.live()
            .public()
            .filter(content_type_id__in=item_types, depth=depth + 1)
            .annotate(parent_path=Substr("path", 1, depth * Page.steplen))
            .filter(parent_path__in=paths)
            .order_by("path")
            .only("id", "title", "path", "depth", "url_path")
        )
        for item in items:
            items_by_parent[item.parent_path].append(
                ItemRef(id=item.pk, title=item.title, url=item.get_url() or "")
            )
    codes = _element_codes()
    outlines: dict[int, list[ModuleOutline]] = defaultdict(list)
    for link in links:
        module = link.module
        element_path = module.path[: (module.depth - 1) * Page.steplen]
        outlines[link.course_id].append(
            ModuleOutline(
                id=module.pk,
                title=module.title,
                url=module.get_url() or "",
                element_code=codes.get(element_path, ""),
                items=tuple(items_by_parent.get(module.path, [])),
            )
        )
    return {
        cid: CourseOutline(course_id=cid, modules=tuple(outlines.get(cid, [])))
        for cid in course_ids
    }


def outline_for(course_id: int) -> CourseOutline:
    return outlines_for([course_id])[course_id]


def completed_ids(user, item_ids: Iterable[int]) -> set[int]:
    """The items completed, read from the database (for the code that writes progress:
    pages read `learner_progress`)."""
    if not getattr(user, "is_authenticated", False):
        return set()
    return set(
        ItemProgress.objects.filter(
            user=user, page_id__in=list(item_ids), completed_at__isnull=False
        ).values_list("page_id", flat=True)
    )


@dataclass(frozen=True)
class LearnerProgress:
    """Every item the learner opened, and those they completed."""

    started: frozenset[int] = frozenset()
    completed: frozenset[int] = frozenset()


def learner_progress(user) -> LearnerProgress:
    """The learner's progress, kept under their progress token
    (courses.progress_versions: renewed when they open or complete an item, enrol or
    leave), not the content token (page ids only: a publish leaves it kept): a page views
    it without a query until it changes. Read from the database (one query) when the cache
    does not answer."""
    if not getattr(user, "is_authenticated", False):
        return LearnerProgress()
    return kept_data_for_learner(
        user.pk,
        "learner-progress",
        build=lambda: _learner_progress(user),
        timeout=LEARNER_PROGRESS_TIMEOUT,
    )


LEARNER_PROGRESS_TIMEOUT = 60 * 60


def learner_enrolments(user) -> tuple[tuple[int, bool], ...]:
    """(course id, active) of each of the learner's enrolments, the most recently active
    first: kept under their progress token (renewed by enrolling, leaving and any activity),
    not the content token; one query when it changed."""
    if not getattr(user, "is_authenticated", False):
        return ()
    return kept_data_for_learner(
        user.pk,
        "learner-enrolments",
        build=lambda: tuple(
            (course_id, left_at is None)
            for course_id, left_at in Enrolment.objects.filter(user=user)
            .order_by("-last_activity_at")
            .values_list("course_id", "left_at")
        ),
        timeout=LEARNER_PROGRESS_TIMEOUT,
    )


def _learner_progress(user) -> LearnerProgress:
    started, completed = set(), set()
    for page_id, completed_at in ItemProgress.objects.filter(user=user).values_list(
        "page_id", "completed_at"
    ):
        started.add(page_id)
        if completed_at is not None:
            completed.add(page_id)
    return LearnerProgress(started=frozenset(started), completed=frozenset(completed))


@dataclass
class ModuleState:
    outline: ModuleOutline
    progress: Fraction


@dataclass
class CourseView:
    course: CoursePage
    outline: CourseOutline
    enrolment: Enrolment | None
    completed: set[int]
    progress: Fraction
    modules: list[ModuleState]
    next_item: ItemRef | None
    missing_prerequisites: list[CoursePage]
    certificate: Certificate | None = None

    @property
    def enrolled(self) -> bool:
        return self.enrolment is not None and self.enrolment.is_active


def missing_prerequisites(user, course: CoursePage, *, preview: bool = False) -> list[CoursePage]:
    """The course's live prerequisites the user has not completed, by title. The
    prerequisites are kept in the content cache; in a preview they are the draft's."""
    if preview:
        required = _live_prerequisites(course)
    else:
        required = cached(
            "course-prerequisites", course.pk, build=lambda: _live_prerequisites(course)
        )
    if not required:
        return []
    if not getattr(user, "is_authenticated", False):
        return required
    done = set(
        Enrolment.objects.filter(
            user=user, course__in=required, completed_at__isnull=False
        ).values_list("course_id", flat=True)
    )
    return [c for c in required if c.pk not in done]


def _live_prerequisites(course: CoursePage) -> list[CoursePage]:
    # .all() and a Python filter: in a preview this is modelcluster's in-memory relation.
    return sorted((c for c in course.prerequisites.all() if c.live), key=lambda c: c.title)


def course_enrolment(user, course_id: int) -> tuple[Enrolment | None, Certificate | None]:
    """The learner's enrolment in the course and, once completed, its certificate: kept
    under their progress token (renewed by enrolling, leaving, completing, a certificate
    issued or revoked), not the content token; one or two queries when it changed."""

    def build() -> tuple[Enrolment | None, Certificate | None]:
        enrolment = Enrolment.objects.filter(user=user, course_id=course_id).first()
        certificate = None
        if enrolment is not None and enrolment.completed_at:
            certificate = Certificate.objects.filter(enrolment=enrolment).first()
        return enrolment, certificate

    return kept_data_for_learner(
        user.pk, "course-enrolment", course_id, build=build, timeout=LEARNER_PROGRESS_TIMEOUT
    )


def course_view(course: CoursePage, user, *, preview: bool = False) -> CourseView:
    outline = outline_for(course.pk)
    enrolment = None
    certificate = None
    if getattr(user, "is_authenticated", False):
        enrolment, certificate = course_enrolment(user, course.pk)
    done = set(learner_progress(user).completed.intersection(i.id for i in outline.items))
    return CourseView(
        course=course,
        outline=outline,
        enrolment=enrolment,
        completed=done,
        progress=course_progress(outline, done),
        modules=[ModuleState(m, module_progress(m, done)) for m in outline.modules],
        next_item=next_item(outline, done),
        missing_prerequisites=missing_prerequisites(user, course, preview=preview),
        certificate=certificate,
    )


# --- the catalogue ----------------------------------------------------------------------------


@dataclass
class CatalogueEntry:
    course: CoursePage
    element_codes: tuple[str, ...]
    enrolment: Enrolment | None


@dataclass
class Catalogue:
    entries: list[CatalogueEntry]
    elements: list[FrameworkElementPage]
    levels: list[tuple[str, str]]
    languages: list[tuple[str, str]]
    selected: dict[str, str] = field(default_factory=dict)


def catalogue(index: Page, params: Mapping[str, str], user) -> Catalogue:
    from django.conf import settings

    elements = list(FrameworkElementPage.objects.live().filter(depth=4).order_by("path"))
    codes = {e.code for e in elements}
    selected = {
        "element": params.get("element", "") if params.get("element", "") in codes else "",
        "level": params.get("level", "") if params.get("level", "") in Level.values else "",
        "language": params.get("language", "")
        if params.get("language", "") in dict(settings.LANGUAGES)
        else "",
    }
    courses = CoursePage.objects.child_of(index).live().public().order_by("path")
    if selected["level"]:
        courses = courses.filter(level=selected["level"])
    if selected["language"]:
        courses = courses.filter(course_language=selected["language"])
    courses = list(courses)
    outlines = outlines_for(c.pk for c in courses)
    if selected["element"]:
        courses = [c for c in courses if selected["element"] in outlines[c.pk].element_codes]
    enrolments = {}
    if getattr(user, "is_authenticated", False):
        enrolments = {
            e.course_id: e for e in Enrolment.objects.filter(user=user, course__in=courses)
        }
    return Catalogue(
        entries=[
            CatalogueEntry(c, outlines[c.pk].element_codes, enrolments.get(c.pk)) for c in courses
        ],
        elements=elements,
        levels=list(Level.choices),
        languages=list(settings.LANGUAGES),
        selected=selected,
    )


# --- the dashboard ----------------------------------------------------------------------------


@dataclass(frozen=True)
class CourseCard:
    """What the dashboard shows of a course: kept in the content cache."""

    id: int
    title: str
    url: str
    issues_certificate: bool


@dataclass
class DashboardCourse:
    enrolment: Enrolment  # its course is not loaded: `course` says what to show of it
    course: CourseCard
    outline: CourseOutline
    progress: Fraction
    next_item: ItemRef | None
    certificate: Certificate | None
    modules: list[ModuleState] = field(default_factory=list)


@dataclass
class Activity:
    title: str
    url: str
    completed: bool
    when: object


@dataclass
class Dashboard:
    in_progress: list[DashboardCourse]
    completed: list[DashboardCourse]
    left: list[DashboardCourse]
    recent: list[Activity]


def dashboard(user, *, recent_limit: int = 8) -> Dashboard:
    """The learner's courses with their progress and certificates, and their latest
    activity, whatever the number of enrolments, courses or items: courses and outlines come
    from the content cache; the learner's enrolments (with their certificates), progress and
    latest activity from the cache under their progress token (one query each when it
    changed)."""
    enrolments = dashboard_enrolments(user)  # a course with enrolments cannot be deleted
    course_ids = [e.course_id for e in enrolments]
    courses = _course_cards(course_ids)
    outlines = outlines_for(course_ids)
    done = set(learner_progress(user).completed)  # progress counts the outlines' items only
    rows = [
        DashboardCourse(
            enrolment=e,
            course=courses[e.course_id],
            outline=outlines[e.course_id],
            progress=course_progress(outlines[e.course_id], done),
            next_item=next_item(outlines[e.course_id], done),
            certificate=getattr(e, "certificate", None),  # None: not issued
            modules=[
                ModuleState(m, module_progress(m, done)) for m in outlines[e.course_id].modules
            ],
        )
        for e in enrolments
    ]
    return Dashboard(
        in_progress=[r for r in rows if r.enrolment.is_active and not r.enrolment.completed_at],
        completed=[r for r in rows if r.enrolment.completed_at],
        left=[r for r in rows if not r.enrolment.is_active and not r.enrolment.completed_at],
        recent=_recent_activity(user, outlines.values(), recent_limit),
    )


def dashboard_enrolments(user) -> list[Enrolment]:
    """The learner's enrolments with their certificates, latest first (one query), kept
    under their progress token (renewed by enrolling, leaving, completing, a certificate
    issued or revoked), not the content token: a publish leaves them kept."""

    def build() -> list[Enrolment]:
        return list(
            Enrolment.objects.filter(user=user)
            # The certificate is a reverse one-to-one: joined here rather than read apart.
            .select_related("certificate")
            .only(*_DASHBOARD_ENROLMENT_FIELDS)
            .order_by("-enrolled_at")
        )

    return kept_data_for_learner(
        user.pk, "dashboard-enrolments", build=build, timeout=LEARNER_PROGRESS_TIMEOUT
    )


# What the dashboard shows of an enrolment and its certificate.
_DASHBOARD_ENROLMENT_FIELDS = (
    "user_id",
    "course_id",
    "enrolled_at",
    "left_at",
    "completed_at",
    "certificate__code",
    "certificate__revoked_at",
)


def _course_cards(course_ids: list[int]) -> dict[int, CourseCard]:
    """Each course's title, link and certificate setting, cached per language until the
    content changes (one query for the courses not cached)."""
    return cached_many(f"course-card-{get_language()}", course_ids, _build_course_cards)


def _build_course_cards(course_ids: list[int]) -> dict[int, CourseCard]:
    courses = CoursePage.objects.filter(pk__in=course_ids).only(
        "title", "url_path", "issues_certificate"
    )
    return {
        course.pk: CourseCard(
            id=course.pk,
            title=course.title,
            url=course.get_url() or "",
            issues_certificate=course.issues_certificate,
        )
        for course in courses
    }


def _recent_activity(user, outlines: Iterable[CourseOutline], limit: int) -> list[Activity]:
    """The learner's latest items, opened or completed: kept under their progress token and
    the content token (titles and links), else one query."""
    outlines = list(outlines)
    return kept_for_learner(
        user.pk,
        "recent-activity",
        limit,
        get_language(),
        build=lambda: _read_recent_activity(user, outlines, limit),
        timeout=LEARNER_PROGRESS_TIMEOUT,
    )


def _read_recent_activity(user, outlines: list[CourseOutline], limit: int) -> list[Activity]:
    """Course items take their link from the cached outlines; any other page is asked for
    its URL."""
    known = {item.id: item for outline in outlines for item in outline.items}
    rows = (
        ItemProgress.objects.filter(user=user)
        # Latest event first, whichever it was: ordering by completed_at alone puts NULLs
        # (opened, never completed) first on PostgreSQL and last on SQLite.
        .order_by(Coalesce("completed_at", "started_at").desc(), "-pk")
        .values_list("page_id", "page__title", "page__url_path", "started_at", "completed_at")
    )[:limit]
    recent = []
    for page_id, title, url_path, started_at, completed_at in rows:
        item = known.get(page_id)
        if item is not None:
            url = item.url
        else:  # Wagtail's URL of the page from the two fields it reads, without a query
            url = Page(id=page_id, url_path=url_path, title=title).get_url() or ""
        recent.append(
            Activity(
                title=title,
                url=url,
                completed=completed_at is not None,
                when=completed_at or started_at,
            )
        )
    return recent


def courses_containing(page: Page) -> list[int]:
    """Ids of the courses whose modules contain this item (cached until content changes)."""
    return cached("courses-containing", page.path, build=lambda: _courses_containing(page))


def _courses_containing(page: Page) -> list[int]:
    parent_path = page.path[: -Page.steplen]
    return list(
        CourseModule.objects.filter(module__path=parent_path, course__live=True).values_list(
            "course_id", flat=True
        )
    )
