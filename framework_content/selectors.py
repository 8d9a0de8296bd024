"""Reads for display. Every function returns fully-fetched data: no template queries in loops."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db.models import Count, Prefetch, QuerySet
from wagtail.models import Locale, Page

from training_site.content_cache import cached

from .choices import MappingRole

if TYPE_CHECKING:
    from .models import (
        FrameworkElementPage,
        FrameworkPage,
        Indicator,
        IndicatorDomain,
        IndicatorFramework,
        KeyDocument,
        LessonPage,
        ModulePage,
    )


def _models():
    from . import models

    return models


def framework_elements(page: FrameworkPage) -> QuerySet[FrameworkElementPage]:
    m = _models()
    return m.FrameworkElementPage.objects.child_of(page).live().public().order_by("path")


def element_modules(element: FrameworkElementPage) -> list[ModulePage]:
    m = _models()
    modules = list(
        m.ModulePage.objects.child_of(element)
        .live()
        .public()
        .order_by("path")
        .prefetch_related("indicators__domain__framework")
    )
    module_path_length = (element.depth + 1) * m.LessonPage.steplen
    counts = Counter(
        lesson_path[:module_path_length]
        for lesson_path in m.LessonPage.objects.live()
        .public()
        .descendant_of(element)
        .values_list("path", flat=True)
    )
    for module in modules:
        module.lesson_count = counts[module.path]
    return modules


@dataclass
class MappedDomain:
    domain: IndicatorDomain
    role: str
    indicators: list[Indicator] = field(default_factory=list)

    @property
    def shared_status(self) -> Indicator | None:
        """An indicator standing for all when every one has the same status (shown once)."""
        statuses = {i.status for i in self.indicators}
        return self.indicators[0] if len(statuses) == 1 else None


def element_domains(element: FrameworkElementPage) -> list[tuple[IndicatorFramework, list]]:
    """The domains of every framework that serve this element, with their indicators."""
    m = _models()
    links = (
        m.DomainElementLink.objects.filter(element=element)
        .select_related("domain__framework")
        .prefetch_related(Prefetch("domain__indicators", queryset=m.Indicator.objects.all()))
        .order_by("domain__framework__sort_order", "domain__sort_order")
    )
    grouped: dict[int, tuple[IndicatorFramework, list[MappedDomain]]] = {}
    for link in links:
        framework = link.domain.framework
        grouped.setdefault(framework.pk, (framework, []))[1].append(
            MappedDomain(
                domain=link.domain, role=link.role, indicators=list(link.domain.indicators.all())
            )
        )
    return list(grouped.values())


@dataclass
class ModuleItem:
    page: Page
    kind: str  # the page type's name: "lesson", "quiz"
    summary: str
    is_lesson: bool


def module_items(module: ModulePage) -> list[ModuleItem]:
    """The module's lessons and quizzes (any live child page), in tree order."""
    m = _models()
    children = Page.objects.child_of(module).live().public().specific().order_by("path")
    return [
        ModuleItem(
            page=child,
            kind=str(child._meta.verbose_name),
            summary=getattr(child, "summary", ""),
            is_lesson=isinstance(child, m.LessonPage),
        )
        for child in children
    ]


def indicators_of(page: ModulePage | LessonPage, *, preview: bool = False) -> list[Indicator]:
    """The page's indicator tags: as edited in a preview, else cached until the content
    changes."""
    if page.pk is None or preview:
        return _indicators_of(page)
    return cached("indicators-of", page.pk, build=lambda: _indicators_of(page))


def _indicators_of(page: ModulePage | LessonPage) -> list[Indicator]:
    return list(page.indicators.select_related("domain__framework"))


def lesson_navigation(lesson: LessonPage) -> dict:
    """Previous and next lessons within the module, and the lesson's place in it (cached
    until the content changes)."""
    if lesson.pk is None:
        return _lesson_navigation(lesson)
    return cached("lesson-navigation", lesson.pk, build=lambda: _lesson_navigation(lesson))


def _lesson_navigation(lesson: LessonPage) -> dict:
    m = _models()
    parent = lesson.get_parent()
    siblings = list(
        m.LessonPage.objects.child_of(parent)
        .live()
        .public()
        .order_by("path")
        .only("id", "title", "url_path", "path", "depth")
    )
    ids = [s.pk for s in siblings]
    position = ids.index(lesson.pk) if lesson.pk in ids else -1
    return {
        "module": parent.specific,
        "lesson_position": position + 1,
        "lesson_total": len(siblings),
        "previous_lesson": siblings[position - 1] if position > 0 else None,
        "next_lesson": siblings[position + 1] if 0 <= position < len(siblings) - 1 else None,
    }


def frameworks_overview() -> QuerySet[IndicatorFramework]:
    m = _models()
    return m.IndicatorFramework.objects.annotate(
        domain_count=Count("domains", distinct=True),
        indicator_count=Count("domains__indicators", distinct=True),
    ).order_by("sort_order")


def framework_detail(slug: str) -> IndicatorFramework | None:
    m = _models()
    return (
        m.IndicatorFramework.objects.filter(slug=slug)
        .prefetch_related(
            "response_levels",
            Prefetch(
                "domains",
                queryset=m.IndicatorDomain.objects.order_by("sort_order").prefetch_related(
                    "indicators",
                    Prefetch(
                        "element_links",
                        queryset=m.DomainElementLink.objects.select_related("element").order_by(
                            "element__path"
                        ),
                    ),
                ),
            ),
        )
        .first()
    )


@dataclass(frozen=True)
class TaggedItem:
    """Something another app tagged with an indicator or element, as a link."""

    title: str
    url: str
    label: str = ""  # a short visible qualifier, e.g. "Illustrative scenario"


@dataclass(frozen=True)
class TaggedSection:
    """One kind of tagged content (e.g. case studies), under its own heading."""

    heading: str
    items: list[TaggedItem]


def tagged_sections(hook_name: str, obj) -> list[TaggedSection]:
    """Sections from the apps that tag content (hooks ``indicator_tagged_content`` and
    ``element_tagged_content``: each takes the indicator or element page and returns a list
    of TaggedSection). framework_content does not import those apps."""
    from wagtail import hooks

    return [section for hook in hooks.get_hooks(hook_name) for section in hook(obj)]


@dataclass
class IndicatorDetail:
    indicator: Indicator
    modules: list[ModulePage]
    lessons: list[LessonPage]
    siblings: list[Indicator]
    tagged: list[TaggedSection] = field(default_factory=list)

    @property
    def has_tagged_content(self) -> bool:
        return bool(self.modules or self.lessons or any(s.items for s in self.tagged))


def indicator_detail(framework_slug: str, indicator_slug: str) -> IndicatorDetail | None:
    m = _models()
    indicator = (
        m.Indicator.objects.select_related("domain__framework")
        .filter(domain__framework__slug=framework_slug, slug=indicator_slug)
        .first()
    )
    if indicator is None:
        return None
    return IndicatorDetail(
        indicator=indicator,
        modules=list(indicator.modules.live().public().order_by("path")),
        lessons=list(indicator.lessons.live().public().order_by("path")),
        siblings=list(indicator.domain.indicators.exclude(pk=indicator.pk)),
        tagged=tagged_sections("indicator_tagged_content", indicator),
    )


@dataclass
class CrosswalkRow:
    domain: IndicatorDomain
    cells: list[str | None]  # one per element, in element order: "primary", "secondary", None


@dataclass
class CrosswalkTable:
    framework: IndicatorFramework
    rows: list[CrosswalkRow]
    unmapped_elements: list[FrameworkElementPage]


@dataclass
class Crosswalk:
    elements: list[FrameworkElementPage]
    tables: list[CrosswalkTable]


def crosswalk() -> Crosswalk:
    """Each framework's domains against the six MIGOF elements, in three queries."""
    m = _models()
    elements = list(
        m.FrameworkElementPage.objects.live().filter(locale=Locale.get_default()).order_by("path")
    )
    position = {e.pk: i for i, e in enumerate(elements)}
    frameworks = list(m.IndicatorFramework.objects.order_by("sort_order"))
    domains = list(
        m.IndicatorDomain.objects.order_by("sort_order").prefetch_related("element_links")
    )
    by_framework: dict[int, list[CrosswalkRow]] = defaultdict(list)
    covered: dict[int, set[int]] = defaultdict(set)
    for domain in domains:
        cells: list[str | None] = [None] * len(elements)
        for link in domain.element_links.all():
            if link.element_id in position:
                idx = position[link.element_id]
                if cells[idx] != MappingRole.PRIMARY:
                    cells[idx] = link.role
                covered[domain.framework_id].add(link.element_id)
        by_framework[domain.framework_id].append(CrosswalkRow(domain=domain, cells=cells))
    tables = [
        CrosswalkTable(
            framework=f,
            rows=by_framework[f.pk],
            unmapped_elements=[e for e in elements if e.pk not in covered[f.pk]],
        )
        for f in frameworks
        if by_framework[f.pk]
    ]
    return Crosswalk(elements=elements, tables=tables)


def key_documents() -> QuerySet[KeyDocument]:
    m = _models()
    return m.KeyDocument.objects.select_related("file").order_by("sort_order", "year")


def lessons_citing(document: KeyDocument) -> list[LessonPage]:
    """Live lessons whose body quotes this document (via Wagtail's reference index)."""
    from wagtail.models import ReferenceIndex

    m = _models()
    refs = ReferenceIndex.get_references_to(document).values_list("object_id", flat=True)
    ids = [int(r) for r in refs if str(r).isdigit()]
    return list(m.LessonPage.objects.live().public().filter(pk__in=ids).order_by("path"))


def all_elements() -> list[FrameworkElementPage]:
    """The six elements, in tree order (cached until the content changes)."""
    m = _models()
    return cached(
        "all-elements",
        build=lambda: list(
            m.FrameworkElementPage.objects.live()
            .public()
            .filter(locale=Locale.get_default())
            .order_by("path")
        ),
    )
