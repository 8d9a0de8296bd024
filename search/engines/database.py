"""The database engine: Wagtail's search over GuidanceEntry, faceting in Python.

Wagtail's database backend (SQLite FTS5 here, PostgreSQL full text in production) finds and
ranks the entries that match the words. One query loads every match's id, type, language,
facet values and publication date, in relevance order, the body left out; `search.facets`
then filters, counts the facets, sorts and slices that list in Python. That is exact and
costs one query whatever the number of facets, up to MAX_MATCHES matches: past that, totals
and counts cover the MAX_MATCHES most relevant entries (the database backends have no
aggregations; Elasticsearch, which has, is the engine for a corpus that size).

Wagtail keeps its database index of GuidanceEntry up to date through its own signal
handlers, so `index_entries` and `delete_keys` have nothing to write; `rebuild` re-adds every
entry to the index (and drops the index rows of deleted entries).
"""

from __future__ import annotations

import difflib
import functools
import hashlib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import islice

from django.core.cache import cache
from django.db.models import Count, Max
from django.utils.translation import get_language
from wagtail.search.backends import get_search_backend

from training_site.content_cache import remember

from ..facets import Match, facet_page, normalise_facets
from ..models import EntryKind, GuidanceEntry
from ..query import clean_text
from .base import EngineResult, Hit, Query, Suggestion

DATABASE_BACKEND = "wagtail.search.backends.database"
# The most matches one search loads for faceting and counting (see the module docstring).
MAX_MATCHES = 1000
REBUILD_BATCH = 500
MIN_SUGGEST_LENGTH = 2
MAX_SPELLING_SUGGESTIONS = 3
SPELLING_CUTOFF = 0.75
MIN_WORD_LENGTH = 3

# The index's version (entry count and latest indexed_at) is read from the database at most
# once a minute; the lexicon built from the titles is cached under that version, so it
# follows the index within a minute and is rebuilt only when the index changed.
VERSION_CACHE_KEY = "guidance-search:index-version"
VERSION_TIMEOUT = 60
LEXICON_CACHE_KEY = "guidance-search:lexicon:{version}"
LEXICON_TIMEOUT = 24 * 60 * 60
# One text's matches (at most MAX_MATCHES small rows, about 100 KB): kept briefly, for the
# pages and facets of the same search.
MATCHES_CACHE_KEY = "guidance-search:matches:{version}:{digest}"
MATCHES_TIMEOUT = 5 * 60
SUGGEST_CACHE_KEY = "guidance-search:suggest:{version}:{language}:{limit}:{digest}"

# An indicator code or the start of one: "3", "3.4", "10.7.2".
CODE_PREFIX = re.compile(r"\d+(?:\.\d+)*")


@dataclass(frozen=True)
class LexiconIndicator:
    title: str
    url: str
    language: str
    words: frozenset[str]


@dataclass(frozen=True)
class Lexicon:
    """The words of every entry's title (for spelling suggestions) and the indicator
    entries (for "related indicators" when nothing matched). Built from the database
    whatever the engine, since the entries live there."""

    words: tuple[str, ...]
    indicators: tuple[LexiconIndicator, ...]


@functools.lru_cache(maxsize=16_384)
def fold(text: str) -> str:
    """Lower case without accents, as both database backends compare words (memoised: the
    extracts fold the same words of every result again and again)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def title_words(title: str) -> set[str]:
    text, _shortened = clean_text(title)
    return {
        word
        for word in (fold(token) for token in text.split())
        if len(word) >= MIN_WORD_LENGTH and not any(char.isdigit() for char in word)
    }


def index_version() -> str:
    version = cache.get(VERSION_CACHE_KEY)
    if version is None:
        state = GuidanceEntry.objects.aggregate(count=Count("pk"), latest=Max("indexed_at"))
        latest = state["latest"].timestamp() if state["latest"] else 0
        version = f"{state['count']}-{latest}"
        cache.set(VERSION_CACHE_KEY, version, VERSION_TIMEOUT)
    return version


def forget_index_version() -> None:
    cache.delete(VERSION_CACHE_KEY)


def build_lexicon() -> Lexicon:
    words: set[str] = set()
    indicators = []
    rows = GuidanceEntry.objects.order_by("title").values_list("kind", "title", "url", "language")
    for kind, title, url, language in rows.iterator(chunk_size=2000):
        these = title_words(title)
        words |= these
        if kind == EntryKind.INDICATOR:
            indicators.append(LexiconIndicator(title, url, language, frozenset(these)))
    return Lexicon(words=tuple(sorted(words)), indicators=tuple(indicators))


def guidance_lexicon() -> Lexicon:
    """The lexicon of the current index: from the cache, or built in one query."""
    key = LEXICON_CACHE_KEY.format(version=index_version())
    lexicon = cache.get(key)
    if lexicon is None:
        lexicon = build_lexicon()
        cache.set(key, lexicon, LEXICON_TIMEOUT)
    return lexicon


def spelling_suggestions(text: str, vocabulary: tuple[str, ...]) -> tuple[str, ...]:
    """Queries close to `text`: each word not in the vocabulary is replaced by its nearest
    words (difflib), or left out when nothing is near. Empty when every word is known."""
    known = set(vocabulary)
    options: list[list[str]] = []
    changed = False
    for term in text.split():
        folded = fold(term)
        if folded in known or len(folded) < MIN_WORD_LENGTH or any(c.isdigit() for c in term):
            options.append([term])
            continue
        near = difflib.get_close_matches(
            folded, vocabulary, n=MAX_SPELLING_SUGGESTIONS, cutoff=SPELLING_CUTOFF
        )
        options.append(near)  # [] leaves the word out
        changed = True
    if not changed:
        return ()
    suggestions: list[str] = []
    for rank in range(MAX_SPELLING_SUGGESTIONS):
        words = [choices[min(rank, len(choices) - 1)] for choices in options if choices]
        suggestion = " ".join(words)
        if suggestion and suggestion != text and suggestion not in suggestions:
            suggestions.append(suggestion)
    return tuple(suggestions)


def _code_key(title: str) -> tuple:
    """Sort "3.2" before "3.10"."""
    code = title.split(" ", 1)[0]
    return tuple(int(part) if part.isdigit() else 0 for part in code.split(".")), title


class DatabaseEngine:
    name = "database"

    def __init__(self, backend=None):
        # Always the database backend, even where Wagtail's default backend is Elasticsearch
        # (then `rebuild` fills it: the behaviour suite runs both engines side by side).
        self.backend = backend or get_search_backend(DATABASE_BACKEND)
        # The matches of the last text searched: turning to another page, sort or filter of
        # the same words (the service does, past the last page) costs no second query.
        self._last: tuple[str, str, list[Match]] | None = None

    # --- searching ---------------------------------------------------------------------

    def matches(self, text: str) -> list[Match]:
        """Every entry matching the words, most relevant first (at most MAX_MATCHES); kept
        in the cache until the index changes (`index_version`), so turning a page
        or choosing a facet of the same words costs no query."""
        version = index_version()
        if self._last is not None and self._last[:2] == (text, version):
            return self._last[2]
        digest = hashlib.sha256(text.encode()).hexdigest()
        key = MATCHES_CACHE_KEY.format(version=version, digest=digest)
        matches = remember(key, lambda: self._matches(text), MATCHES_TIMEOUT)
        self._last = (text, version, matches)
        return matches

    def _matches(self, text: str) -> list[Match]:
        results = self.backend.search(text, GuidanceEntry.objects.all(), operator="and")
        # Only the columns the facets need, as tuples: not model instances, and not the
        # matched text vectors the backend's queryset also selects (on PostgreSQL, the
        # title || body tsvector of every match).
        rows = (
            results[:MAX_MATCHES]
            .get_queryset()
            .values_list("id", "kind", "language", "facets", "published_at")
        )
        matches = [
            Match(
                id=pk,
                kind=kind,
                language=language,
                facets=normalise_facets(facets),
                published_at=published_at,
            )
            for pk, kind, language, facets, published_at in rows
        ]
        return matches

    def search(self, query: Query) -> EngineResult:
        if not query.text:
            return EngineResult(total=0, hits=())
        matches = self.matches(query.text)
        page = facet_page(
            matches, query.filters, sort=query.sort, offset=query.offset, limit=query.limit
        )
        suggestions = () if matches else self.spelling(query.text)
        return EngineResult(
            total=page.total,
            hits=tuple(Hit(entry_id=entry_id) for entry_id in page.ids),
            facets=page.facets,
            suggestions=suggestions,
        )

    def spelling(self, text: str) -> tuple[str, ...]:
        return spelling_suggestions(text, guidance_lexicon().words)

    # --- autocomplete ------------------------------------------------------------------

    def suggest(self, prefix: str, *, limit: int = 8) -> list[Suggestion]:
        """Indicators whose code starts with the prefix ("3.4"), then titles completing the
        words (Wagtail's autocomplete), entries in the current language first, each text once.
        Kept per prefix and language until the index changes: the box asks at every
        keystroke, and everyone types the same first letters."""
        text, _shortened = clean_text(prefix)
        if len(text) < MIN_SUGGEST_LENGTH or limit <= 0:
            return []
        language = (get_language() or "").split("-")[0]
        key = SUGGEST_CACHE_KEY.format(
            version=index_version(),
            language=language,
            limit=limit,
            digest=hashlib.sha256(text.encode()).hexdigest(),
        )
        return remember(key, lambda: self._suggest(text, limit, language), MATCHES_TIMEOUT)

    def _suggest(self, text: str, limit: int, language: str) -> list[Suggestion]:
        fields = ("id", "kind", "title", "url", "language")
        candidates: list[GuidanceEntry] = []
        if CODE_PREFIX.fullmatch(text):
            coded = GuidanceEntry.objects.filter(
                kind=EntryKind.INDICATOR, title__startswith=text
            ).only(*fields)[: limit * 3]
            candidates += sorted(coded, key=lambda entry: _code_key(entry.title))
        titles = self.backend.autocomplete(
            text, GuidanceEntry.objects.only(*fields), operator="and"
        )[: limit * 3]
        candidates += sorted(titles, key=lambda entry: entry.language != language)
        return list(islice(_unique_suggestions(candidates), limit))

    # --- index maintenance -------------------------------------------------------------

    def index_entries(self, entries) -> None:
        """Nothing to write: Wagtail's signal handlers index each saved entry."""
        forget_index_version()

    def delete_keys(self, keys: list[str]) -> None:
        """Nothing to delete: Wagtail's signal handlers drop each deleted entry."""
        forget_index_version()

    def rebuild(self, entries: Iterable[GuidanceEntry]) -> None:
        """Re-add every entry to Wagtail's database index, in batches, and drop the index
        rows of entries that no longer exist (entries saved with bulk_create or
        QuerySet.update never reached Wagtail's signal handlers)."""
        index = self.backend.get_index_for_model(GuidanceEntry)
        iterator = entries.iterator() if hasattr(entries, "iterator") else iter(entries)
        while batch := list(islice(iterator, REBUILD_BATCH)):
            self.backend.add_bulk(GuidanceEntry, batch)
        if hasattr(index, "delete_stale_model_entries"):
            index.delete_stale_model_entries(GuidanceEntry)
        self._last = None
        forget_index_version()


def _unique_suggestions(entries: Iterable[GuidanceEntry]) -> Iterable[Suggestion]:
    seen: set[str] = set()
    for entry in entries:
        key = fold(entry.title)
        if key not in seen:
            seen.add(key)
            yield Suggestion(text=entry.title, url=entry.url, kind=entry.kind)
