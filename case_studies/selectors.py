"""Reads for display: the filterable listing, one case study, case studies by tag.

Every function runs a fixed number of queries whatever the number of case studies.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field

from django.db.models import Exists, F, OuterRef, Prefetch, QuerySet
from django.db.models.functions import Substr
from django.utils.translation import gettext as _
from django_countries import countries
from wagtail.models import Locale, Page, PageViewRestriction

from framework_content.models import FrameworkElementPage, Indicator, KeyDocument
from framework_content.selectors import TaggedItem, TaggedSection

from .choices import Region
from .models import CaseStudyPage

FILTER_NAMES = ("country", "region", "element", "indicator")


# --- filters: plain functions over plain data ----------------------------------------------


@dataclass(frozen=True)
class Filters:
    """What the visitor asked for, each value valid or empty."""

    country: str = ""  # ISO 3166-1 alpha-2, upper case
    region: str = ""  # a Region value
    element: str = ""  # a MIGOF element code, P1..O3
    indicator: str = ""  # an Indicator slug, e.g. eiu16-2-1 (unique across frameworks)

    @property
    def active(self) -> bool:
        return any(getattr(self, name) for name in FILTER_NAMES)


@dataclass(frozen=True)
class RejectedFilter:
    name: str  # one of FILTER_NAMES
    value: str


def _printable(value: str | None) -> str:
    """A filter value without control characters (a NUL byte is refused by PostgreSQL),
    bounded in length: it is only ever compared with known values."""
    text = "".join(ch for ch in (value or "") if unicodedata.category(ch)[0] != "C")
    return text[:200]


def parse_filters(
    params: Mapping[str, str],
    *,
    country_codes: set[str],
    region_values: set[str],
    element_codes: set[str],
    indicator_slugs: set[str],
) -> tuple[Filters, list[RejectedFilter]]:
    """Keep the filter values that name something that exists; report the others.

    Values are matched case-insensitively (``?country=gh`` is Ghana, ``?element=p1`` is P1).
    An empty value means "any" and is never rejected.
    """
    allowed = {
        "country": {c.upper(): c for c in country_codes},
        "region": {r.lower(): r for r in region_values},
        "element": {e.upper(): e for e in element_codes},
        "indicator": {i.lower(): i for i in indicator_slugs},
    }
    fold = {"country": str.upper, "region": str.lower, "element": str.upper, "indicator": str.lower}
    kept: dict[str, str] = {}
    rejected: list[RejectedFilter] = []
    for name in FILTER_NAMES:
        raw = (params.get(name) or "").strip()
        if not raw:
            continue
        match = allowed[name].get(fold[name](raw))
        if match is None:
            rejected.append(RejectedFilter(name=name, value=raw[:80]))
        else:
            kept[name] = match
    return Filters(**kept), rejected


def rejected_message(rejected: RejectedFilter) -> str:
    templates = {
        "country": _("No such country filter: “%(value)s”. It was ignored."),
        "region": _("No such region filter: “%(value)s”. It was ignored."),
        "element": _("No such MIGOF element filter: “%(value)s”. It was ignored."),
        "indicator": _("No such indicator filter: “%(value)s”. It was ignored."),
    }
    return templates[rejected.name] % {"value": rejected.value}


# --- the listing --------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseStudyCard:
    page: CaseStudyPage
    elements: list[FrameworkElementPage]
    indicators: list[Indicator]

    @property
    def country_name(self) -> str:
        return self.page.country.name if self.page.country else ""


@dataclass
class IndicatorGroup:
    """Indicator options of one framework, for an <optgroup>."""

    label: str
    indicators: list[Indicator] = field(default_factory=list)


@dataclass
class CaseStudyListing:
    cards: list[CaseStudyCard]
    filters: Filters
    messages: list[str]
    country_options: list[tuple[str, str]]  # (code, name), by name
    region_options: list[tuple[str, str]]
    element_options: list[FrameworkElementPage]
    indicator_options: list[IndicatorGroup]


def _tag_prefetches() -> list[Prefetch]:
    return [
        Prefetch(
            "migof_elements",
            queryset=FrameworkElementPage.objects.order_by("path"),
        ),
        Prefetch(
            "indicators",
            queryset=Indicator.objects.select_related("domain__framework"),
        ),
    ]


def live_case_studies(index: Page | None = None) -> QuerySet[CaseStudyPage]:
    """Live case studies that anyone may read, in tree order.

    Like ``PageQuerySet.public()``, but the view restrictions are checked inside the same
    query (no restriction on the page or any page above it), so the framework's pages pay
    one query for their case studies.
    """
    restricted = PageViewRestriction.objects.filter(
        page__path=Substr(OuterRef("path"), 1, F("page__depth") * Page.steplen)
    )
    pages = CaseStudyPage.objects.live().exclude(Exists(restricted))
    if index is not None:
        pages = pages.child_of(index)
    return pages.order_by("path")


def _element_options(index: Page) -> list[FrameworkElementPage]:
    elements = (
        FrameworkElementPage.objects.live()
        .public()
        .filter(locale_id__in={index.locale_id, Locale.get_default().pk})
        .order_by("path")
    )
    # The index's own language first; the default language fills any gap.
    by_code: dict[str, FrameworkElementPage] = {}
    for element in elements:
        if element.code not in by_code or element.locale_id == index.locale_id:
            by_code[element.code] = element
    return sorted(by_code.values(), key=lambda e: (e.kind != "principle", e.code))


def case_study_listing(index: Page, params: Mapping[str, str]) -> CaseStudyListing:
    """The live case studies under `index` that match every valid filter in `params`.

    Filters are ``country`` (ISO code), ``region`` (a Region value), ``element`` (P1..O3)
    and ``indicator`` (an indicator slug). A value that names nothing is ignored and
    reported in ``messages``; the others still apply. Eight queries (nine when the indicator
    asked for is tagged on nothing), whatever the number of case studies.
    """
    params = {name: _printable(params.get(name)) for name in FILTER_NAMES}
    published = live_case_studies(index)
    elements = _element_options(index)
    tagged_indicators = list(
        Indicator.objects.filter(case_studies__in=published)
        .select_related("domain__framework")
        .distinct()
    )
    requested_indicator = (params.get("indicator") or "").strip().lower()
    if requested_indicator and requested_indicator not in {i.slug for i in tagged_indicators}:
        # A real indicator nobody has tagged yet is a valid filter, with no results.
        tagged_indicators += list(
            Indicator.objects.filter(slug=requested_indicator).select_related("domain__framework")
        )
    filters, rejected = parse_filters(
        params,
        country_codes=set(dict(countries)),
        region_values=set(Region.values),
        element_codes={e.code for e in elements},
        indicator_slugs={i.slug for i in tagged_indicators},
    )

    pages = published
    if filters.country:
        pages = pages.filter(country=filters.country)
    if filters.region:
        pages = pages.filter(region=filters.region)
    if filters.element:
        pages = pages.filter(
            pk__in=CaseStudyPage.migof_elements.through.objects.filter(
                frameworkelementpage__code=filters.element
            ).values("casestudypage_id")
        )
    if filters.indicator:
        pages = pages.filter(
            pk__in=CaseStudyPage.indicators.through.objects.filter(
                indicator__slug=filters.indicator
            ).values("casestudypage_id")
        )
    cards = [
        CaseStudyCard(
            page=page,
            elements=list(page.migof_elements.all()),
            indicators=list(page.indicators.all()),
        )
        for page in pages.prefetch_related(*_tag_prefetches())
    ]

    used_countries = set(published.exclude(country="").values_list("country", flat=True))
    if filters.country:
        used_countries.add(filters.country)
    country_options = sorted(
        ((code, countries.name(code)) for code in used_countries), key=lambda option: option[1]
    )
    groups: dict[int, IndicatorGroup] = {}
    for indicator in tagged_indicators:
        framework = indicator.domain.framework
        groups.setdefault(framework.pk, IndicatorGroup(label=framework.short_title))
        groups[framework.pk].indicators.append(indicator)
    return CaseStudyListing(
        cards=cards,
        filters=filters,
        messages=[rejected_message(r) for r in rejected],
        country_options=country_options,
        region_options=list(Region.choices),
        element_options=elements,
        indicator_options=list(groups.values()),
    )


# --- one case study -----------------------------------------------------------------------


@dataclass(frozen=True)
class CaseStudyDetail:
    elements: list[FrameworkElementPage]
    indicators: list[Indicator]
    sources: list[KeyDocument]


def case_study_detail(page: CaseStudyPage) -> CaseStudyDetail:
    """The tags and sources of one case study (also in a preview, from unsaved values)."""
    return CaseStudyDetail(
        elements=sorted(page.migof_elements.all(), key=lambda e: e.path),
        indicators=sorted(
            page.indicators.select_related("domain__framework"),
            key=lambda i: (i.domain.framework.sort_order, i.domain.sort_order, i.sort_order),
        ),
        sources=sorted(page.sources.all(), key=lambda d: (d.sort_order, d.year or 0, d.title)),
    )


# --- case studies by tag (for the framework's indicator and element pages) -----------------


def _tagged_section(pages: QuerySet[CaseStudyPage]) -> list[TaggedSection]:
    items = [
        TaggedItem(
            title=page.title,
            url=page.get_url() or "",
            label=_("Illustrative scenario") if page.illustrative else "",
        )
        for page in pages
    ]
    return [TaggedSection(heading=_("Case studies"), items=items)] if items else []


def case_studies_tagged_with_indicator(indicator: Indicator) -> list[TaggedSection]:
    return _tagged_section(live_case_studies().filter(indicators=indicator))


def case_studies_tagged_with_element(element: FrameworkElementPage) -> list[TaggedSection]:
    # By code, so a translated element page lists the same case studies.
    return _tagged_section(
        live_case_studies().filter(
            pk__in=CaseStudyPage.migof_elements.through.objects.filter(
                frameworkelementpage__code=element.code
            ).values("casestudypage_id")
        )
    )
