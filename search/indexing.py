"""The indexing pipeline: what is searchable, as which entry, and the only code that writes
`GuidanceEntry` rows.

A *source* per indexable model turns an object into the values of its entry, or leaves it
out (a page that is not live, is private, has no URL or is an alias; an indicator or key
document while no public indicators or library page shows it). Quiz pages and questions
have no source, so they are never written here and answers cannot leak through search.

Services (a model label and a primary key in; no request, no clock):

- `index_object(label, pk)`: recompute the entries of one object *and of the objects whose
  entries show something of it* (see `affected_by`), write the difference, then tell the
  engine. Bounded: a page brings its indexable descendants (and, for the indicators and
  library pages, every indicator or key document, whose URLs they give); an indicator, domain
  or framework brings its indicators and the modules, lessons and case studies tagged with
  them; a Wagtail document brings the key documents that use it. Each source builds its
  entries in a fixed number of queries per batch of `BATCH_SIZE`, whatever the number of
  tags, ancestors or blocks.
- `remove_object(label, pk)`: delete the entry of an object that is gone.
- `rebuild_all()`: recompute every entry, delete the stale ones, rebuild the engine's index.

Rows are written in one transaction and only when their values changed. The engine is told
after the commit; any exception it raises is logged (logger "search.indexing") and never
undoes the rows: `rebuild_guidance_index` repairs the engine's index from them.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db import models, transaction
from django.db.models import Prefetch, Q
from django.utils.translation import get_supported_language_variant
from wagtail.documents import get_document_model
from wagtail.models import Locale, Page, Site

from case_studies.models import CaseStudyIndexPage, CaseStudyPage
from framework_content.models import (
    DomainElementLink,
    FrameworkElementPage,
    Indicator,
    IndicatorDomain,
    IndicatorFramework,
    IndicatorIndexPage,
    KeyDocument,
    LessonPage,
    LibraryPage,
    ModulePage,
)

from .engines import get_engine
from .models import EntryKind, GuidanceEntry
from .text import PDF_MAX_CHARS, PDF_MAX_PAGES, html_to_text, join_text, pdf_text, stream_to_text

logger = logging.getLogger("search.indexing")

BATCH_SIZE = 500  # objects per query (keeps `pk IN (...)` under every database's limit)
PDF_CACHE_SECONDS = 7 * 24 * 3600
TITLE_MAX = GuidanceEntry._meta.get_field("title").max_length
URL_MAX = GuidanceEntry._meta.get_field("url").max_length


@dataclass(frozen=True)
class EntryValues:
    """What a source says one object's entry holds (everything but its key)."""

    kind: str
    title: str
    url: str
    language: str
    body: str = ""
    trail: list[list[str]] = field(default_factory=list)
    tags: list[dict[str, str]] = field(default_factory=list)
    facets: dict[str, list[str]] = field(default_factory=dict)
    published_at: dt.datetime | None = None

    def as_fields(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "title": self.title[:TITLE_MAX],
            "url": self.url[:URL_MAX],
            "language": self.language,
            "body": self.body,
            "trail": self.trail,
            "tags": self.tags,
            "facets": self.facets,
            "published_at": self.published_at,
        }


def chunked(items: Iterable[Any], size: int = BATCH_SIZE) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def facets(**values: Iterable[Any]) -> dict[str, list[str]]:
    """Facet values as lists of distinct strings in first-seen order; empty facets left out."""
    result = {}
    for name, items in values.items():
        strings = list(dict.fromkeys(str(v) for v in items if v not in (None, "")))
        if strings:
            result[name] = strings
    return result


class IndexContext:
    """What one indexing run looks up once and shares between sources and objects."""

    @cached_property
    def site_root_paths(self):
        return Site.get_site_root_paths()

    @cached_property
    def languages(self) -> dict[int, str]:
        return dict(Locale.objects.values_list("pk", "language_code"))

    @cached_property
    def default_language(self) -> str:
        try:
            return get_supported_language_variant(settings.LANGUAGE_CODE)
        except LookupError:
            return settings.LANGUAGE_CODE

    @cached_property
    def private_q(self) -> Q:
        """Pages under a view restriction (one query for the whole run)."""
        return Page.objects.all().private_q()

    def public_pages(self, model: type[Page]):
        """Live, public, not an alias: what anyone may see, once."""
        return model.objects.live().exclude(self.private_q).filter(alias_of__isnull=True)

    def page_url(self, page: Page) -> str:
        page._wagtail_cached_site_root_paths = self.site_root_paths
        return page.get_url() or ""

    def language_of(self, page: Page) -> str:
        return self.languages.get(page.locale_id, self.default_language)

    def _section(self, model: type[Page]) -> tuple[str, str] | None:
        """(title, URL) of the public section page, preferring the default language."""
        pages = [p for p in self.public_pages(model).order_by("path") if self.page_url(p)]
        if not pages:
            return None
        default = [p for p in pages if self.language_of(p) == self.default_language]
        page = (default or pages)[0]
        return page.title, self.page_url(page)

    @cached_property
    def indicators_section(self) -> tuple[str, str] | None:
        return self._section(IndicatorIndexPage)

    @cached_property
    def library_section(self) -> tuple[str, str] | None:
        return self._section(LibraryPage)

    def framework_url(self, framework: IndicatorFramework) -> str:
        """The framework's page under the indicators section ("" while there is none)."""
        if self.indicators_section is None:
            return ""
        return f"{self.indicators_section[1]}{framework.slug}/"

    def indicator_url(self, indicator: Indicator) -> str:
        framework_url = self.framework_url(indicator.domain.framework)
        return f"{framework_url}{indicator.slug}/" if framework_url else ""

    def indicator_tag(self, indicator: Indicator) -> dict[str, str]:
        return {
            "code": indicator.code,
            "title": indicator.title,
            "url": self.indicator_url(indicator),
        }

    def nearest_ancestors(self, pages: Sequence[Page], model: type[Page]) -> dict[int, Page]:
        """For each page, its nearest ancestor of type `model` (one query per batch)."""
        step = Page.steplen
        wanted = {p.path[: i * step] for p in pages for i in range(1, p.depth)}
        found: dict[str, Page] = {}
        for batch in chunked(sorted(wanted)):
            found.update((a.path, a) for a in model.objects.filter(path__in=batch))
        nearest = {}
        for page in pages:
            for depth in range(page.depth - 1, 0, -1):
                ancestor = found.get(page.path[: depth * step])
                if ancestor is not None:
                    nearest[page.pk] = ancestor
                    break
        return nearest

    def trail_item(self, page: Page, label: str | None = None) -> list[str]:
        """[title, url] of a page on a result's trail; no link to a page nobody can open."""
        return [label or page.title, self.page_url(page) if page.live else ""]


def _indicators_prefetch() -> Prefetch:
    return Prefetch("indicators", queryset=Indicator.objects.select_related("domain__framework"))


def _indicator_facets(indicators: Sequence[Indicator]) -> dict[str, list[str]]:
    return facets(
        framework=(i.domain.framework.slug for i in indicators),
        domain=(i.domain_id for i in indicators),
        indicator=(i.pk for i in indicators),
    )


class Source:
    """Turns objects of one model into entries. Subclasses say which objects may be
    searchable (`indexable`), what to fetch for a batch at once (`prepare`) and how one
    object reads as an entry (`build`, returning None to leave it out)."""

    model: type[models.Model]
    kind: str

    @property
    def label(self) -> str:
        return self.model._meta.label_lower

    def key(self, pk: int) -> str:
        return f"{self.label}:{pk}"

    def indexable(self, ctx: IndexContext) -> models.QuerySet:
        raise NotImplementedError

    def prepare(self, objects: list[Any], ctx: IndexContext) -> dict[str, Any]:
        return {}

    def build(self, obj: Any, ctx: IndexContext, batch: dict[str, Any]) -> EntryValues | None:
        raise NotImplementedError

    def all_pks(self) -> list[int]:
        return list(self.model._default_manager.order_by("pk").values_list("pk", flat=True))

    def entries(self, ctx: IndexContext, pks: Sequence[int]) -> dict[str, EntryValues]:
        """The entries of those of `pks` that are searchable, by key (a bounded batch)."""
        objects = list(self.indexable(ctx).filter(pk__in=pks))
        batch = self.prepare(objects, ctx)
        result = {}
        for obj in objects:
            values = self.build(obj, ctx, batch)
            if values is not None:
                result[self.key(obj.pk)] = values
        return result


class PageSource(Source):
    model: type[Page]

    def indexable(self, ctx: IndexContext) -> models.QuerySet:
        return ctx.public_pages(self.model)

    def page_values(self, page: Page, ctx: IndexContext, **values: Any) -> EntryValues | None:
        url = ctx.page_url(page)
        if not url:  # not under any site: nobody can open it
            return None
        values.setdefault("title", page.title)
        return EntryValues(
            kind=self.kind,
            url=url,
            language=ctx.language_of(page),
            published_at=page.first_published_at,
            **values,
        )


class ElementSource(PageSource):
    model = FrameworkElementPage
    kind = EntryKind.ELEMENT

    def build(self, page, ctx, batch):
        return self.page_values(
            page,
            ctx,
            title=f"{page.code} {page.title}",
            body=join_text([page.council_wording, page.summary, stream_to_text(page.body)]),
            facets=facets(element=[page.code]),
        )


class ModuleSource(PageSource):
    model = ModulePage
    kind = EntryKind.MODULE

    def indexable(self, ctx):
        return super().indexable(ctx).prefetch_related(_indicators_prefetch())

    def prepare(self, objects, ctx):
        return {"elements": ctx.nearest_ancestors(objects, FrameworkElementPage)}

    def build(self, page, ctx, batch):
        element = batch["elements"].get(page.pk)
        indicators = list(page.indicators.all())
        return self.page_values(
            page,
            ctx,
            body=join_text([page.summary, stream_to_text(page.learning_outcomes)]),
            trail=[ctx.trail_item(element, str(element))] if element else [],
            tags=[ctx.indicator_tag(i) for i in indicators],
            facets={
                **facets(element=[element.code] if element else []),
                **_indicator_facets(indicators),
            },
        )


class LessonSource(PageSource):
    model = LessonPage
    kind = EntryKind.LESSON

    def indexable(self, ctx):
        return super().indexable(ctx).prefetch_related(_indicators_prefetch())

    def prepare(self, objects, ctx):
        return {
            "elements": ctx.nearest_ancestors(objects, FrameworkElementPage),
            "modules": ctx.nearest_ancestors(objects, ModulePage),
        }

    def build(self, page, ctx, batch):
        element = batch["elements"].get(page.pk)
        module = batch["modules"].get(page.pk)
        indicators = list(page.indicators.all())
        trail = []
        if element:
            trail.append(ctx.trail_item(element, str(element)))
        if module:
            trail.append(ctx.trail_item(module))
        return self.page_values(
            page,
            ctx,
            body=join_text([page.summary, stream_to_text(page.body)]),
            trail=trail,
            tags=[ctx.indicator_tag(i) for i in indicators],
            facets={
                **facets(element=[element.code] if element else []),
                **_indicator_facets(indicators),
            },
        )


class CaseStudySource(PageSource):
    model = CaseStudyPage
    kind = EntryKind.CASE_STUDY

    def indexable(self, ctx):
        return (
            super()
            .indexable(ctx)
            .prefetch_related(
                _indicators_prefetch(),
                Prefetch(
                    "migof_elements",
                    queryset=FrameworkElementPage.objects.order_by("path").only("pk", "code"),
                ),
            )
        )

    def prepare(self, objects, ctx):
        return {"indexes": ctx.nearest_ancestors(objects, CaseStudyIndexPage)}

    def build(self, page, ctx, batch):
        index_page = batch["indexes"].get(page.pk)
        indicators = list(page.indicators.all())
        country = page.country.code if page.country else ""
        return self.page_values(
            page,
            ctx,
            body=join_text(
                [
                    str(page.country.name) if page.country else "",
                    page.summary,
                    *(
                        html_to_text(html)
                        for html in (
                            page.context,
                            page.policy_response,
                            page.results,
                            page.lessons_learned,
                        )
                    ),
                ]
            ),
            trail=[ctx.trail_item(index_page)] if index_page else [],
            tags=[ctx.indicator_tag(i) for i in indicators],
            facets={
                **facets(element=(e.code for e in page.migof_elements.all())),
                **_indicator_facets(indicators),
                **facets(country=[country], region=[page.region]),
            },
        )


class IndicatorSource(Source):
    """An indicator, titled "<code> <title>" so that "3.4" finds it, at its page under the
    indicators section. Searchable only while that section is public."""

    model = Indicator
    kind = EntryKind.INDICATOR

    def indexable(self, ctx):
        return Indicator.objects.select_related("domain__framework").prefetch_related(
            Prefetch(
                "domain__element_links",
                queryset=DomainElementLink.objects.select_related("element").order_by(
                    "element__path"
                ),
            )
        )

    def build(self, indicator, ctx, batch):
        if ctx.indicators_section is None:
            return None
        domain = indicator.domain
        framework = domain.framework
        framework_url = ctx.framework_url(framework)
        return EntryValues(
            kind=self.kind,
            title=str(indicator),
            url=ctx.indicator_url(indicator),
            language=ctx.default_language,
            body=join_text([indicator.description, str(domain), framework.title]),
            trail=[
                [str(framework), framework_url],
                [f"{domain.code} {domain.title}".strip(), f"{framework_url}#domain-{domain.pk}"],
            ],
            facets={
                **facets(element=(link.element.code for link in domain.element_links.all())),
                **_indicator_facets([indicator]),
            },
        )


def document_file_text(uploaded) -> str:
    """The text of a key document's uploaded Wagtail document when it is a PDF ("" if not).

    Cached by the file's content hash (which Wagtail's document forms set), so re-indexing a
    key document whose file did not change (a title edit, a rebuild) does not parse its PDF
    again."""
    if uploaded is None or not uploaded.file or uploaded.file_extension.lower() != "pdf":
        return ""
    cache_key = (
        f"guidance-search:pdf:{uploaded.file_hash}:{PDF_MAX_PAGES}:{PDF_MAX_CHARS}"
        if uploaded.file_hash
        else None
    )
    if cache_key:
        cached = cache.get(cache_key)
        if cached is not None:
            return cached
    text = pdf_text(uploaded.file)
    if cache_key and text:  # a failure may be passing (storage away): try again next time
        cache.set(cache_key, text, PDF_CACHE_SECONDS)
    return text


class KeyDocumentSource(Source):
    """A key document at its library page, with the text of its PDF. Searchable only while
    the library is public."""

    model = KeyDocument
    kind = EntryKind.DOCUMENT

    def indexable(self, ctx):
        return KeyDocument.objects.select_related("file")

    def build(self, document, ctx, batch):
        if ctx.library_section is None:
            return None
        library_title, library_url = ctx.library_section
        return EntryValues(
            kind=self.kind,
            title=str(document),
            url=f"{library_url}{document.slug}/",
            language=ctx.default_language,
            body=join_text(
                [
                    document.issuing_body,
                    document.date_text,
                    document.description,
                    document.key_passage,
                    document_file_text(document.file),
                ]
            ),
            trail=[[library_title, library_url]],
            # "Newest first" sorts documents by their year.
            published_at=(
                dt.datetime(document.year, 1, 1, tzinfo=dt.UTC) if document.year else None
            ),
        )


ELEMENTS = ElementSource()
MODULES = ModuleSource()
LESSONS = LessonSource()
CASE_STUDIES = CaseStudySource()
INDICATORS = IndicatorSource()
KEY_DOCUMENTS = KeyDocumentSource()

# The registry: one source per indexable model, by model label. Nothing else is indexed.
SOURCES: dict[str, Source] = {
    source.label: source
    for source in (ELEMENTS, MODULES, LESSONS, CASE_STUDIES, INDICATORS, KEY_DOCUMENTS)
}
PAGE_SOURCES: tuple[PageSource, ...] = tuple(
    s for s in SOURCES.values() if isinstance(s, PageSource)
)
# Pages whose URL the entries of every object of a snippet source are built from.
SECTION_PAGES: dict[type[Page], Source] = {
    IndicatorIndexPage: INDICATORS,
    LibraryPage: KEY_DOCUMENTS,
}


# --- What an object's change affects ---------------------------------------------------------

Affected = dict[Source, set[int]]


def _merge(into: Affected, source: Source, pks: Iterable[int]) -> None:
    into.setdefault(source, set()).update(pks)


def _tagged_with(indicator_ids: Sequence[int], affected: Affected) -> None:
    """Modules, lessons and case studies tagged with these indicators (their tags show them)."""
    for source in (MODULES, LESSONS, CASE_STUDIES):
        for batch in chunked(indicator_ids):
            pks = source.model.objects.filter(indicators__in=batch).values_list("pk", flat=True)
            _merge(affected, source, pks)


def _page_affected(model: type[Page], pk: int) -> Affected:
    affected: Affected = {}
    own = SOURCES.get(model._meta.label_lower)
    path = Page.objects.filter(pk=pk).values_list("path", flat=True).first()
    if path is None:  # deleted: its own entry goes
        if own is not None:
            _merge(affected, own, [pk])
        section_types = {m for m in SECTION_PAGES if issubclass(model, m)}
    else:
        by_type = ContentType.objects.get_for_models(
            *(s.model for s in PAGE_SOURCES), *SECTION_PAGES
        )
        type_of = {ct.pk: m for m, ct in by_type.items()}
        section_types = set()
        for page_pk, ct_id in Page.objects.filter(
            path__startswith=path, content_type_id__in=list(type_of)
        ).values_list("pk", "content_type_id"):
            page_model = type_of[ct_id]
            if page_model in SECTION_PAGES:
                section_types.add(page_model)
            else:
                _merge(affected, SOURCES[page_model._meta.label_lower], [page_pk])
    for section in section_types:
        source = SECTION_PAGES[section]
        _merge(affected, source, source.all_pks())
    return affected


def _indicators_affected(indicator_ids: Sequence[int]) -> Affected:
    affected: Affected = {}
    _merge(affected, INDICATORS, indicator_ids)
    _tagged_with(indicator_ids, affected)
    return affected


# What changing an object of each model affects (pages are handled by `_page_affected`).
DEPENDENTS: dict[type[models.Model], Callable[[int], Affected]] = {
    Indicator: lambda pk: _indicators_affected([pk]),
    IndicatorDomain: lambda pk: _indicators_affected(
        list(Indicator.objects.filter(domain_id=pk).values_list("pk", flat=True))
    ),
    IndicatorFramework: lambda pk: _indicators_affected(
        list(Indicator.objects.filter(domain__framework_id=pk).values_list("pk", flat=True))
    ),
    KeyDocument: lambda pk: {KEY_DOCUMENTS: {pk}},
}


def _document_affected(pk: int) -> Affected:
    return {KEY_DOCUMENTS: set(KeyDocument.objects.filter(file_id=pk).values_list("pk", flat=True))}


def resolve_model(label: str) -> type[models.Model] | None:
    try:
        return apps.get_model(label)
    except (LookupError, ValueError):
        return None


def affected_by(label: str, pk: int) -> Affected:
    """Which entries may change when the object `label`:`pk` changed (or went)."""
    model = resolve_model(label)
    if model is None:
        logger.warning("Not an indexable model: %s", label)
        return {}
    if issubclass(model, Page):
        return _page_affected(model, pk)
    if issubclass(model, get_document_model()):
        return _document_affected(pk)
    for dependent_model, dependents in DEPENDENTS.items():
        if issubclass(model, dependent_model):
            return dependents(pk)
    return {}


def is_indexing_relevant(model: type[models.Model]) -> bool:
    """Whether saving an object of this model can change an entry (signals ask)."""
    if issubclass(model, tuple(s.model for s in PAGE_SOURCES) + tuple(SECTION_PAGES)):
        return True
    return issubclass(model, (get_document_model(), *DEPENDENTS))


# --- Writing ---------------------------------------------------------------------------------


@dataclass
class WriteResult:
    changed: list[GuidanceEntry] = field(default_factory=list)
    deleted_keys: list[str] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def add(self, other: WriteResult) -> None:
        self.changed += other.changed
        self.deleted_keys += other.deleted_keys
        self.created += other.created
        self.updated += other.updated
        self.unchanged += other.unchanged


def _write(computed: dict[str, EntryValues]) -> WriteResult:
    result = WriteResult()
    existing = {e.key: e for e in GuidanceEntry.objects.filter(key__in=list(computed))}
    for key, values in computed.items():
        fields = values.as_fields()
        row = existing.get(key)
        if row is None:
            row, created = GuidanceEntry.objects.update_or_create(key=key, defaults=fields)
            result.created += created
            result.updated += not created
        elif any(getattr(row, name) != value for name, value in fields.items()):
            for name, value in fields.items():
                setattr(row, name, value)
            row.save()
            result.updated += 1
        else:
            result.unchanged += 1
            continue
        result.changed.append(row)
    return result


def _delete(keys: Iterable[str]) -> list[str]:
    deleted: list[str] = []
    for batch in chunked(sorted(keys)):
        rows = GuidanceEntry.objects.filter(key__in=batch)
        found = list(rows.values_list("key", flat=True))
        if found:
            rows.delete()  # one by one, so Wagtail's own index hears of each (post_delete)
            deleted += found
    return deleted


def _reindex(affected: Affected, ctx: IndexContext) -> WriteResult:
    result = WriteResult()
    for source, pks in affected.items():
        for batch in chunked(sorted(pks)):
            computed = source.entries(ctx, batch)
            result.add(_write(computed))
            result.deleted_keys += _delete({source.key(pk) for pk in batch} - computed.keys())
    return result


def _tell_engine(changed: list[GuidanceEntry], deleted_keys: list[str]) -> None:
    """Pass the written rows to the engine. Its failures are logged, never raised."""
    if not changed and not deleted_keys:
        return
    try:
        engine = get_engine()
        if changed:
            engine.index_entries(changed)
        if deleted_keys:
            engine.delete_keys(deleted_keys)
    except Exception:
        logger.exception(
            "The search engine could not update %d entries and delete %d; the database rows "
            "are right, and `manage.py rebuild_guidance_index` repairs the engine's index.",
            len(changed),
            len(deleted_keys),
        )


def index_object(label: str, pk: int) -> None:
    """Recompute the entries of an object and of what shows it (see `affected_by`)."""
    with transaction.atomic():
        result = _reindex(affected_by(label, pk), IndexContext())
    changed, deleted = result.changed, result.deleted_keys
    transaction.on_commit(lambda: _tell_engine(changed, deleted))


def remove_object(label: str, pk: int) -> None:
    """Delete the entry of an object that is gone (idempotent)."""
    model = resolve_model(label)
    label = model._meta.label_lower if model is not None else label.lower()
    with transaction.atomic():
        deleted = _delete([f"{label}:{pk}"])
    transaction.on_commit(lambda: _tell_engine([], deleted))


@dataclass
class RebuildReport:
    counts: dict[str, int]  # entries per kind after the rebuild
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    engine: str = ""  # the engine's name
    engine_error: str = ""  # "" when the engine rebuilt its index

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def rebuild_all() -> RebuildReport:
    """Recompute every entry, delete stale ones (objects gone, no longer searchable, or of a
    kind no longer indexed), then rebuild the engine's index from all rows. Idempotent."""
    ctx = IndexContext()
    result = WriteResult()
    with transaction.atomic():
        kept: set[str] = set()
        for source in SOURCES.values():
            for batch in chunked(source.all_pks()):
                computed = source.entries(ctx, batch)
                result.add(_write(computed))
                kept.update(computed)
        stale = set(GuidanceEntry.objects.values_list("key", flat=True)) - kept
        result.deleted_keys += _delete(stale)
    counts = Counter(dict(GuidanceEntry.objects.values_list("kind").annotate(n=models.Count("pk"))))
    report = RebuildReport(
        counts={kind.value: counts.get(kind.value, 0) for kind in EntryKind},
        created=result.created,
        updated=result.updated,
        unchanged=result.unchanged,
        deleted=len(result.deleted_keys),
    )
    try:
        engine = get_engine()
        report.engine = getattr(engine, "name", type(engine).__name__)
        engine.rebuild(GuidanceEntry.objects.order_by("pk"))
    except Exception as error:
        logger.exception("The search engine could not rebuild its index.")
        report.engine_error = f"{type(error).__name__}: {error}"
    return report
