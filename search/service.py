"""Guidance search: one service, one result shape, whatever the engine behind it.

`search_guidance(params)` reads the search page's GET parameters, asks the engine
(`search.engines.get_engine()`) for one page of hits with facet counts, and returns a
`SearchPage`: the results with their extracts, the facets with their labels and links, the
active filters, pagination, the editors' promoted results and, when nothing matched, the
spelling-near queries and related indicators. `suggest(prefix)` feeds the search box's
autocomplete. Neither takes a request.

SQL per search page, whatever the number of results and facets: the engine's one query
(database engine; none when the same search was answered before), the page's entries, and
the search-terms record with the promoted results (two statements; three the first time a
query is seen). The facet labels come from the cache (one query when it is cold). With
nothing matched, the lexicon behind the spelling suggestions and related indicators comes
from the cache (two queries when it is cold).
"""

from __future__ import annotations

import functools
import html
import logging
import math
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from datetime import date

from django.conf import settings
from django.db import connections, router
from django.db.models import CharField, Exists, F, OuterRef, Q, Value
from django.db.models.functions import Cast, Concat, Length, Substr
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext_lazy, ngettext
from django.utils.translation import gettext as _
from django_countries import countries
from wagtail.contrib.search_promotions.models import Query as SearchQuery
from wagtail.contrib.search_promotions.models import QueryDailyHits, SearchPromotion
from wagtail.models import PageViewRestriction
from wagtail.search.utils import normalise_query_string

from case_studies.choices import Region
from framework_content.models import (
    FrameworkElementPage,
    Indicator,
    IndicatorDomain,
    IndicatorFramework,
)
from training_site.content_cache import cached

from .engines import get_engine
from .engines.base import (
    FACETS,
    SORT_NEWEST,
    SORT_RELEVANCE,
    Engine,
    EngineResult,
    EngineUnavailable,
)
from .engines.database import fold, guidance_lexicon, title_words
from .models import EntryKind, GuidanceEntry
from .query import MAX_QUERY_LENGTH, PAGE_SIZE, SearchRequest, clean_text, parse_search_params

logger = logging.getLogger(__name__)

EXTRACT_WORDS = 30
EXTRACT_WORDS_BEFORE = 8
VISIBLE_FACET_VALUES = 8  # the rest of a facet's values sit behind "More"
MAX_RELATED_INDICATORS = 5
MIN_SUGGEST_LENGTH = 2
PAGE_WINDOW = 2  # page links either side of the current page

FACET_HEADINGS = {
    "kind": gettext_lazy("Type"),
    "element": gettext_lazy("MIGOF element"),
    "framework": gettext_lazy("Indicator framework"),
    "domain": gettext_lazy("Indicator domain"),
    "indicator": gettext_lazy("Indicator"),
    "country": gettext_lazy("Country"),
    "region": gettext_lazy("Region"),
    "language": gettext_lazy("Language"),
}
SORT_LABELS = {
    SORT_RELEVANCE: gettext_lazy("Most relevant"),
    SORT_NEWEST: gettext_lazy("Newest first"),
}
# Words too common to relate a query to an indicator title (English, French, Spanish).
STOP_WORDS = frozenset(
    "and the for with from into des les une aux sur par pour dans del las los una por con "
    "que est".split()
)


# --- what the page shows ---------------------------------------------------------------


@dataclass(frozen=True)
class Link:
    text: str
    url: str


@dataclass(frozen=True)
class Tag:
    code: str
    title: str
    url: str

    @property
    def label(self) -> str:
        return f"{self.code} {self.title}".strip()


@dataclass(frozen=True)
class Result:
    title: str
    url: str
    kind: str
    kind_label: str
    language: str
    trail: tuple[Link, ...]
    extract: SafeString  # escaped text with <mark> around the matched words
    tags: tuple[Tag, ...]


@dataclass(frozen=True)
class Promotion:
    title: str
    url: str
    description: str


@dataclass(frozen=True)
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool
    url: str  # toggles this value, keeping the other filters, back to page 1


@dataclass(frozen=True)
class Facet:
    name: str
    heading: str
    values: tuple[FacetValue, ...]  # shown
    more: tuple[FacetValue, ...] = ()  # behind "More"

    @property
    def has_selection(self) -> bool:
        return any(value.selected for value in self.values + self.more)


@dataclass(frozen=True)
class ActiveFilter:
    facet: str
    heading: str
    value: str
    label: str
    remove_url: str


@dataclass(frozen=True)
class SortOption:
    value: str
    label: str
    url: str
    selected: bool


@dataclass(frozen=True)
class PageLink:
    number: int | None  # None: a gap ("…")
    url: str = ""
    current: bool = False


@dataclass(frozen=True)
class Pagination:
    number: int
    num_pages: int
    start_index: int  # the first result's position, for <ol start>
    previous_url: str = ""
    next_url: str = ""
    pages: tuple[PageLink, ...] = ()

    @property
    def has_other_pages(self) -> bool:
        return self.num_pages > 1


@dataclass(frozen=True)
class SearchPage:
    query: str = ""  # the cleaned words, as searched and as the box shows them
    searched: bool = False  # an engine ran
    total: int = 0
    results: tuple[Result, ...] = ()
    promotions: tuple[Promotion, ...] = ()
    facets: tuple[Facet, ...] = ()
    active_filters: tuple[ActiveFilter, ...] = ()
    clear_filters_url: str = ""
    sort: str = SORT_RELEVANCE
    sort_options: tuple[SortOption, ...] = ()
    pagination: Pagination | None = None
    messages: tuple[str, ...] = ()
    # When nothing matched:
    spelling: tuple[Link, ...] = ()
    related_indicators: tuple[Link, ...] = ()
    engine: str = ""

    @property
    def no_results(self) -> bool:
        return self.searched and self.total == 0


# --- the service -----------------------------------------------------------------------


def search_guidance(params: Mapping, *, engine: Engine | None = None) -> SearchPage:
    """The search page for these GET parameters (a QueryDict or a mapping of lists)."""
    request = parse_search_params(params)
    messages = list(request.messages)
    if not request.text:
        if request.raw_text:
            messages.append(_("Type a word or an indicator code to search."))
        return SearchPage(messages=tuple(messages))

    engine = engine or get_engine()
    try:
        outcome = engine.search(request.to_query())
    except EngineUnavailable:
        logger.exception("Guidance search is down (%s engine).", getattr(engine, "name", "?"))
        messages.append(
            _("Search is unavailable at the moment. Please try again in a few minutes.")
        )
        return SearchPage(query=request.text, messages=tuple(messages))
    num_pages = max(math.ceil(outcome.total / PAGE_SIZE), 1)
    page_number = min(request.page, num_pages)
    if request.page > num_pages and outcome.total:
        messages.append(
            ngettext(
                "There is only %(count)s page of results: showing it.",
                "There are only %(count)s pages of results: showing the last one.",
                num_pages,
            )
            % {"count": num_pages}
        )
        try:
            outcome = engine.search(request.to_query(page=page_number))
        except EngineUnavailable:
            outcome = EngineResult(total=outcome.total, hits=(), facets=outcome.facets)

    promotions: tuple[Promotion, ...] = ()
    if request.page == 1:
        # A first page is a search made; turning pages is not. Promoted results go above it.
        promotions = record_search_and_promotions(request.text)

    labels = facet_labels(_values_to_label(outcome, request), get_language() or "")
    builder = UrlBuilder(request)
    spelling: tuple[Link, ...] = ()
    related: tuple[Link, ...] = ()
    if not outcome.total:
        spelling = tuple(Link(text, builder.url(text=text, page=1)) for text in outcome.suggestions)
        related = related_indicators(request.text, outcome.suggestions)
    return SearchPage(
        query=request.text,
        searched=True,
        total=outcome.total,
        results=hydrate(outcome, request.text),
        promotions=promotions,
        facets=display_facets(outcome, request, labels, builder),
        active_filters=active_filters(request, labels, builder),
        clear_filters_url=builder.url(filters={}, page=1) if request.filters else "",
        sort=request.sort,
        sort_options=tuple(
            SortOption(value, str(label), builder.url(sort=value, page=1), value == request.sort)
            for value, label in SORT_LABELS.items()
        ),
        pagination=paginate(page_number, num_pages, builder),
        messages=tuple(messages),
        spelling=spelling,
        related_indicators=related,
        engine=getattr(engine, "name", ""),
    )


def suggest(prefix: str | None, *, engine: Engine | None = None, limit: int = 8) -> list[dict]:
    """Autocomplete for the search box: [{"text", "url", "kind"}], [] under 2 characters."""
    text, _shortened = clean_text(prefix)
    if len(text) < MIN_SUGGEST_LENGTH:
        return []
    engine = engine or get_engine()
    try:
        suggestions = engine.suggest(text, limit=limit)
    except EngineUnavailable:
        logger.warning("No search suggestions: the %s engine is down.", engine.name)
        return []
    return [asdict(suggestion) for suggestion in suggestions]


def is_too_long(prefix: str | None) -> bool:
    return len(prefix or "") > MAX_QUERY_LENGTH


# --- links ---------------------------------------------------------------------------------


class UrlBuilder:
    """Search page URLs: the current request with one thing changed."""

    def __init__(self, request: SearchRequest):
        self.request = request
        self.base = reverse("search")
        # Each pair's encoding, worked out once: a page's facet links (70 or more) repeat
        # the same text and filters, changing one pair.
        self._encoded: dict[tuple[str, str], str] = {}
        # For `toggled`: per facet, the encoded query before and after its own values.
        self._around: dict[str, tuple[str, str]] = {}

    def _encode(self, pair: tuple[str, str]) -> str:
        """One `name=value` of the query string, as urlencode writes it."""
        encoded = self._encoded.get(pair)
        if encoded is None:
            encoded = self._encoded[pair] = urlencode([pair])
        return encoded

    def url(
        self,
        *,
        text: str | None = None,
        filters: Mapping[str, Iterable[str]] | None = None,
        sort: str | None = None,
        page: int | None = None,
    ) -> str:
        text = self.request.text if text is None else text
        filters = self.request.filters if filters is None else filters
        sort = self.request.sort if sort is None else sort
        page = self.request.page if page is None else page
        pairs: list[tuple[str, str]] = [("q", text)] if text else []
        for facet in FACETS:
            pairs += [(facet, value) for value in filters.get(facet, ())]
        if sort != SORT_RELEVANCE:
            pairs.append(("sort", sort))
        if page > 1:
            pairs.append(("page", str(page)))
        return f"{self.base}?{'&'.join(map(self._encode, pairs))}" if pairs else self.base

    def toggled(self, facet: str, value: str) -> str:
        """With this facet value added, or removed if chosen; back to the first page. The
        same URL as `url(filters=<changed>, page=1)`, with the parts before and after the
        facet's own values encoded once per facet."""
        values = list(self.request.filters.get(facet, ()))
        if value in values:
            values.remove(value)
        else:
            values.append(value)
        around = self._around.get(facet)
        if around is None:
            around = self._around[facet] = self._parts_around(facet)
        before, after = around
        own = "&".join(self._encode((facet, v)) for v in values)
        query = "&".join(part for part in (before, own, after) if part)
        return f"{self.base}?{query}" if query else self.base

    def _parts_around(self, facet: str) -> tuple[str, str]:
        """The encoded pairs of a first page's URL before `facet`'s values (the text, the
        facets listed before it) and after them (the facets after it, the sort)."""
        request = self.request
        before: list[tuple[str, str]] = [("q", request.text)] if request.text else []
        after: list[tuple[str, str]] = []
        position = FACETS.index(facet)
        for index, name in enumerate(FACETS):
            if index != position:
                pairs = before if index < position else after
                pairs += [(name, v) for v in request.filters.get(name, ())]
        if request.sort != SORT_RELEVANCE:
            after.append(("sort", request.sort))
        return "&".join(map(self._encode, before)), "&".join(map(self._encode, after))


def paginate(number: int, num_pages: int, builder: UrlBuilder) -> Pagination:
    shown = {1, num_pages, *range(number - PAGE_WINDOW, number + PAGE_WINDOW + 1)}
    pages: list[PageLink] = []
    for candidate in sorted(n for n in shown if 1 <= n <= num_pages):
        if pages and pages[-1].number is not None and candidate > pages[-1].number + 1:
            pages.append(PageLink(None))
        pages.append(PageLink(candidate, builder.url(page=candidate), candidate == number))
    return Pagination(
        number=number,
        num_pages=num_pages,
        start_index=(number - 1) * PAGE_SIZE + 1,
        previous_url=builder.url(page=number - 1) if number > 1 else "",
        next_url=builder.url(page=number + 1) if number < num_pages else "",
        pages=tuple(pages),
    )


# --- results and extracts ------------------------------------------------------------------


def hydrate(outcome: EngineResult, text: str) -> tuple[Result, ...]:
    """The page's entries in the engine's order (one query), each with its extract."""
    if not outcome.hits:
        return ()
    # The columns a result shows, as tuples (not the facets, dates and key of each entry).
    rows = GuidanceEntry.objects.filter(pk__in=[hit.entry_id for hit in outcome.hits])
    entries = {
        row[0]: row
        for row in rows.values_list(
            "pk", "title", "url", "kind", "language", "trail", "body", "tags"
        )
    }
    terms = text.split()
    results = []
    for hit in outcome.hits:
        entry = entries.get(hit.entry_id)
        if entry is None:  # deleted since the engine indexed it
            continue
        _pk, title, url, kind, language, trail, body, tags = entry
        results.append(
            Result(
                title=title,
                url=url,
                kind=kind,
                kind_label=str(_kind_label(kind)),
                language=language,
                trail=_trail(trail),
                extract=_extract(hit.highlight, body, terms),
                tags=_tags(tags),
            )
        )
    return tuple(results)


def _extract(highlight: str, body: str, terms: list[str]) -> SafeString:
    if highlight:
        # An engine's highlight is escaped text with <mark> tags only (base.Hit).
        # nosemgrep: migof-mark-safe -- escaped by the engine (Elasticsearch: encoder=html)
        return mark_safe(highlight)  # noqa: S308
    return make_extract(body, terms)


def _trail(raw) -> tuple[Link, ...]:
    links = []
    for item in raw if isinstance(raw, list) else ():
        if isinstance(item, list | tuple) and len(item) >= 2:
            links.append(Link(str(item[0]), str(item[1] or "")))
    return tuple(links)


def _tags(raw) -> tuple[Tag, ...]:
    tags = []
    for item in raw if isinstance(raw, list) else ():
        if isinstance(item, dict) and item.get("title"):
            code, url = str(item.get("code") or ""), str(item.get("url") or "")
            tags.append(Tag(code, str(item["title"]), url))
    return tuple(tags)


def _is_word_char(char: str) -> bool:
    return char == "." or unicodedata.category(char)[0] in "LMN"


def _split_token(token: str) -> tuple[str, str, str]:
    """(leading punctuation, the word, trailing punctuation) of a whitespace-split token."""
    start, end = 0, len(token)
    while start < end and not _is_word_char(token[start]):
        start += 1
    while end > start and not _is_word_char(token[end - 1]):
        end -= 1
    return token[:start], token[start:end], token[end:]


def _common_prefix(a: str, b: str) -> int:
    length = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        length += 1
    return length


def word_matches(word: str, term: str) -> bool:
    """Does a word of the text answer a query term? Both engines fold case and accents, and
    PostgreSQL stems English words ("managing" finds "management"): a shared beginning of at
    least four letters, nearly as long as the shorter word, counts too."""
    return _folded_matches(fold(word).strip("."), fold(term).strip("."))


def _folded_matches(word: str, term: str) -> bool:
    """word_matches, for a word and a term already folded and stripped of dots."""
    # Every way of matching below shares the term's first four letters (or all of a shorter
    # term): most words fail here, at once.
    if not word or not term or not word.startswith(term[:4]):
        return False
    if word == term or (len(term) >= 3 and word.startswith(term)):
        return True
    shortest = min(len(word), len(term))
    return shortest >= 4 and _common_prefix(word, term) >= max(4, shortest - 3)


@functools.lru_cache(maxsize=32_768)
def _folded_core(token: str) -> str:
    """A whitespace-split token's word, folded, without its dots. Memoised: the bodies of a
    page, and of every page, say the same words again and again."""
    return fold(_split_token(token)[1]).strip(".")


def make_extract(body: str, terms: Iterable[str], words: int = EXTRACT_WORDS) -> SafeString:
    """About `words` words of the body around the first matched word, HTML-escaped, each
    matched word in <mark>; the body's start when no word matches (a title-only match)."""
    tokens = (body or "").split()
    if not tokens:
        return mark_safe("")
    folded = [term for term in (fold(term).strip(".") for term in terms if term) if term]
    # Every way of matching starts with the term's first four letters (_folded_matches),
    # and an ASCII word folds to its lower case: an ASCII word without one of them cannot
    # match, and an ASCII body without any has no match at all (a title-only match).
    prefixes = [term[:4] for term in folded]
    judged: dict[str, bool] = {}

    def is_match(token: str) -> bool:
        found = judged.get(token)
        if found is None:
            if token.isascii() and not any(prefix in token.lower() for prefix in prefixes):
                found = judged[token] = False
            else:
                core = _folded_core(token)
                found = judged[token] = any(_folded_matches(core, term) for term in folded)
        return found

    # The first match is looked for from the word where it can start: in an ASCII body, no
    # word before the first place one of the prefixes appears (none if they never appear).
    skip: int | None = 0
    if body.isascii():
        lowered = body.lower()
        found = [at for at in (lowered.find(prefix) for prefix in prefixes) if at >= 0]
        skip = None
        if found:
            before = body[: min(found)]
            skip = len(before.split())
            if before and not before[-1].isspace():
                skip -= 1  # the prefix starts inside that word
    first = None
    if skip is not None:
        first = next((i for i in range(skip, len(tokens)) if is_match(tokens[i])), None)
    start = 0 if first is None else max(0, first - EXTRACT_WORDS_BEFORE)
    end = min(len(tokens), start + words)
    start = max(0, min(start, end - words))  # near the end: a full window all the same
    parts = []
    plain: list[str] = []  # words between marked ones, escaped together
    # The standard library's escape, which Django's wraps (the same text, without making
    # a safe string of each part): the whole is marked safe once, below.
    for token in tokens[start:end]:
        if is_match(token):
            if plain:
                parts.append(html.escape(" ".join(plain)))
                plain = []
            before, word, after = _split_token(token)
            parts.append(
                f"{html.escape(before)}<mark>{html.escape(word)}</mark>{html.escape(after)}"
            )
        else:
            plain.append(token)
    if plain:
        parts.append(html.escape(" ".join(plain)))
    text = " ".join(parts)
    if start > 0:
        text = "… " + text
    if end < len(tokens):
        text += " …"
    # nosemgrep: migof-mark-safe -- every part of text went through html.escape() above
    return mark_safe(text)  # noqa: S308 -- every part above is escaped


# --- facets and labels ---------------------------------------------------------------------


def _values_to_label(outcome: EngineResult, request: SearchRequest) -> dict[str, set[str]]:
    values: dict[str, set[str]] = {facet: set() for facet in FACETS}
    for facet, counts in outcome.facets.items():
        if facet in values:
            values[facet].update(counts)
    for facet, selected in request.filters.items():
        values[facet].update(selected)
    return values


def facet_labels(values: Mapping[str, set[str]], language: str) -> dict[tuple[str, str], str]:
    """Display labels of facet values: element code → "P1 title", framework slug → title,
    domain and indicator id → "code title", country code → name; region, type and language
    → their names. The taxonomy's labels come from the cache (`taxonomy_labels`)."""
    labels: dict[tuple[str, str], str] = {}
    taxonomy = taxonomy_labels(language)
    for facet in ("element", "framework", "domain", "indicator"):
        for value in values.get(facet, ()):
            if (facet, value) in taxonomy:
                labels[facet, value] = taxonomy[facet, value]
    for value in values.get("kind", ()):
        labels["kind", value] = str(_kind_label(value))
    for value in values.get("country", ()):
        # django-countries reads any str.isdigit() code ("①") as a number and fails.
        name = countries.name(value) if value.isascii() else ""
        labels["country", value] = str(name or value)
    region_labels = dict(Region.choices)
    for value in values.get("region", ()):
        labels["region", value] = str(region_labels.get(value, value))
    language_names = dict(settings.LANGUAGES)
    for value in values.get("language", ()):
        labels["language", value] = str(language_names.get(value, value))
    return labels


def taxonomy_labels(language: str) -> dict[tuple[str, str], str]:
    """Every element, framework, domain and indicator label, for one language: read in one
    query (a UNION of the four tables) and kept until the content changes (the framework's
    pages and snippets are content: training_site.content_cache)."""
    return cached("guidance-search-labels", language, build=lambda: _taxonomy_labels(language))


def _taxonomy_labels(language: str) -> dict[tuple[str, str], str]:
    text = CharField()
    parts = [
        FrameworkElementPage.objects.annotate(
            f=Value("element", output_field=text),
            v=F("code"),
            lbl=Concat("code", Value(" "), "title", output_field=text),
            lang=F("locale__language_code"),
        ),
        IndicatorFramework.objects.annotate(
            f=Value("framework", output_field=text),
            v=F("slug"),
            lbl=F("title"),
            lang=Value("", output_field=text),
        ),
    ]
    for facet, model in (("domain", IndicatorDomain), ("indicator", Indicator)):
        parts.append(
            model.objects.annotate(
                f=Value(facet, output_field=text),
                v=Cast("pk", output_field=text),
                lbl=Concat("code", Value(" "), "title", output_field=text),
                lang=Value("", output_field=text),
            )
        )
    rows = [part.order_by().values_list("f", "v", "lbl", "lang") for part in parts]
    labels: dict[tuple[str, str], str] = {}
    rank_of: dict[tuple[str, str], int] = {}
    for facet, value, label, lang in rows[0].union(*rows[1:], all=True):
        # Elements exist once per language: this language, else the default, else any.
        rank = 0 if lang in ("", language) else 1 if lang == settings.LANGUAGE_CODE else 2
        if rank < rank_of.get((facet, value), 3):
            rank_of[facet, value] = rank
            labels[facet, value] = " ".join(label.split())
    return labels


def _kind_label(kind: str):
    return dict(EntryKind.choices).get(kind, kind)


# Facets read in their own order (types as listed, principles before objectives, languages
# as the site lists them); the others list their most frequent values first.
NATURAL_ORDER_FACETS = frozenset({"kind", "element", "language"})


def _natural_order(facet: str, value: str) -> tuple:
    if facet == "element":
        return (value[:1] != "P", value)  # P1–P3, then O1–O3
    order = list(EntryKind.values) if facet == "kind" else [c for c, _n in settings.LANGUAGES]
    return (order.index(value) if value in order else len(order), value)


def display_facets(
    outcome: EngineResult,
    request: SearchRequest,
    labels: Mapping[tuple[str, str], str],
    builder: UrlBuilder,
) -> tuple[Facet, ...]:
    facets = []
    for name in FACETS:
        counts = dict(outcome.facets.get(name, {}))
        selected = request.filters.get(name, ())
        for value in selected:  # a chosen value stays in its list even at no match
            counts.setdefault(value, 0)
        if not counts:
            continue
        values = [
            FacetValue(
                value=value,
                label=labels.get((name, value), value),
                count=count,
                selected=value in selected,
                url=builder.toggled(name, value),
            )
            for value, count in counts.items()
        ]
        if name in NATURAL_ORDER_FACETS:
            values.sort(key=lambda item, name=name: _natural_order(name, item.value))
        else:
            values.sort(key=lambda item: (-item.count, item.label.casefold()))
        shown = values[:VISIBLE_FACET_VALUES]
        shown += [item for item in values[VISIBLE_FACET_VALUES:] if item.selected]
        more = [item for item in values[VISIBLE_FACET_VALUES:] if not item.selected]
        facets.append(Facet(name, str(FACET_HEADINGS[name]), tuple(shown), tuple(more)))
    return tuple(facets)


def active_filters(
    request: SearchRequest, labels: Mapping[tuple[str, str], str], builder: UrlBuilder
) -> tuple[ActiveFilter, ...]:
    return tuple(
        ActiveFilter(
            facet=facet,
            heading=str(FACET_HEADINGS[facet]),
            value=value,
            label=labels.get((facet, value), value),
            remove_url=builder.toggled(facet, value),
        )
        for facet in FACETS
        for value in request.filters.get(facet, ())
    )


# --- nothing matched -------------------------------------------------------------------


def related_indicators(text: str, spelling: Iterable[str]) -> tuple[Link, ...]:
    """Indicators whose title shares a word with the query or with a spelling-near query
    ("traficking" → "3.4 Measures to combat human trafficking…"), the current language
    first. None when no title shares a word: the page then links to the indicator list."""
    terms = {
        word for query in (text, *spelling) for word in title_words(query) if word not in STOP_WORDS
    }
    if not terms:
        return ()
    language = (get_language() or "").split("-")[0]
    found = [
        indicator
        for indicator in guidance_lexicon().indicators
        if any(word_matches(word, term) for word in indicator.words for term in terms)
    ]
    found.sort(key=lambda indicator: indicator.language != language)
    links: list[Link] = []
    for indicator in found:
        if all(link.text != indicator.title for link in links):
            links.append(Link(indicator.title, indicator.url))
    return tuple(links[:MAX_RELATED_INDICATORS])


# --- promoted results and the search terms report ------------------------------------------


def record_search_and_promotions(text: str) -> tuple[Promotion, ...]:
    """Count the search for the admin's search terms report (wagtail.contrib.search_promotions)
    and return the query's promoted results: live, public pages and external links.

    Does what `Query.get(text).add_hit()` and `.editors_picks` do, in two statements (three
    the first time a query is seen) where Wagtail's get_or_create route takes up to eight.
    """
    query_string = normalise_query_string(text)
    if not query_string:
        return ()
    today = timezone.now().date()  # as Query.add_hit dates its hits
    if not _count_daily_hit(query_string, today):
        # Never searched before: no editor can have promoted anything for it yet.
        _record_query(query_string)
        _count_daily_hit(query_string, today)
        return ()
    return promotions_for(query_string)


# Put before a statement that reads the one-row `relaxed`: on PostgreSQL, when the statement
# is its own transaction, it then commits without waiting for its WAL to reach the disk
# (`synchronous_commit` off for this transaction alone), so a search does not wait on a
# flush for a report's counter. A crash may lose the last fraction of a second's searches;
# it cannot corrupt or double them.
RELAXED = "WITH relaxed AS (SELECT set_config('synchronous_commit', 'off', true) AS s) "


def _relaxes(connection) -> bool:
    """Whether a statement on `connection` may be RELAXED: on PostgreSQL, outside a
    caller's transaction (whose commit keeps its durability)."""
    return connection.vendor == "postgresql" and not connection.in_atomic_block


def _record_query(query_string: str) -> None:
    """Record a query string for the search terms report, once (a concurrent search for the
    same new text records it once too)."""
    connection = connections[router.db_for_write(SearchQuery)]
    if not _relaxes(connection):
        SearchQuery.objects.bulk_create(
            [SearchQuery(query_string=query_string)], ignore_conflicts=True
        )
        return
    quote = connection.ops.quote_name
    table, column = quote(SearchQuery._meta.db_table), quote("query_string")
    sql = (
        f"{RELAXED}INSERT INTO {table} ({column}) SELECT %s FROM relaxed "  # noqa: S608
        f"ON CONFLICT ({column}) DO NOTHING"
    )
    with connection.cursor() as cursor:
        # nosemgrep: migof-sql-built-from-strings -- quoted model names; the value is a param
        cursor.execute(sql, [query_string])


def _count_daily_hit(query_string: str, day: date) -> bool:
    """Add one to the day's hits of a recorded query, creating the day's row if needed: one
    upsert (SQLite 3.24+, PostgreSQL), committed without waiting for a flush (RELAXED).
    False when the query string is not recorded."""
    connection = connections[router.db_for_write(QueryDailyHits)]
    quote = connection.ops.quote_name
    meta = QueryDailyHits._meta
    hits_table, query_table = quote(meta.db_table), quote(SearchQuery._meta.db_table)
    query_id, day_column, hits = (
        quote(meta.get_field(name).column) for name in ("query", "date", "hits")
    )
    prefix, source = "", query_table
    if _relaxes(connection):
        prefix, source = RELAXED, f"{query_table} CROSS JOIN relaxed"
    # Table and column names come from the models; the values go as parameters.
    sql = (
        f"{prefix}INSERT INTO {hits_table} ({query_id}, {day_column}, {hits}) "  # noqa: S608
        f"SELECT {quote('id')}, %s, 1 FROM {source} WHERE {quote('query_string')} = %s "
        f"ON CONFLICT ({query_id}, {day_column}) DO UPDATE SET {hits} = {hits_table}.{hits} + 1"
    )
    with connection.cursor() as cursor:
        # nosemgrep: migof-sql-built-from-strings -- quoted model names; values are params
        cursor.execute(sql, [connection.ops.adapt_datefield_value(day), query_string])
        return cursor.rowcount > 0


def promotions_for(query_string: str) -> tuple[Promotion, ...]:
    """The query's promoted results. Editors promote results for a handful of queries: all
    of them are kept as one entry until the content changes (a promotion saved or deleted
    renews the content token, as a page published or unpublished does: search.apps), so a
    search reads no promotion."""
    return cached("search-promotions", build=_read_promotions).get(query_string, ())


def _read_promotions() -> dict[str, tuple[Promotion, ...]]:
    # A page under a view restriction (its own or an ancestor's) is not for the public.
    restricted = PageViewRestriction.objects.filter(
        page__path=Substr(OuterRef("page__path"), 1, Length("page__path"))
    )
    picks = (
        SearchPromotion.objects.filter(
            Q(page__isnull=True, external_link_url__gt="")
            | (Q(page__live=True) & ~Exists(restricted))
        )
        .select_related("page", "query")
        .order_by("query_id", "sort_order", "pk")
    )
    promotions: dict[str, list[Promotion]] = {}
    for pick in picks:
        if pick.page is not None:
            url, title = pick.page.get_url(), pick.page.title
        else:
            url, title = pick.external_link_url, pick.external_link_text or pick.external_link_url
        if url:
            promotions.setdefault(pick.query.query_string, []).append(
                Promotion(title=title, url=url, description=pick.description)
            )
    return {query: tuple(found) for query, found in promotions.items()}
