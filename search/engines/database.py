"""The database engine: Wagtail's database search over GuidanceEntry, faceted in SQL.

Wagtail's database backend (SQLite FTS5 here, PostgreSQL full text in production) holds the
index; `search.engines.sql` asks it, in one statement per search, for the page shown (only
the filtered matches are ranked, and only that page leaves the database), the total, and
every facet's counts (GROUP BY over all the matching rows: exact, however many match). The
results, their order and the counts are those the backend's ranking and `search.facets`
give (the engine's former Python path, which it keeps for other databases).

A search's answer and a prefix's suggestions are kept in the cache, tagged with the index's
version: one cache round trip reads both, and an answer from an older index is not used.

Wagtail keeps its database index of GuidanceEntry up to date through its own signal
handlers, so `index_entries` and `delete_keys` have nothing to write; `rebuild` re-adds every
entry to the index (and drops the index rows of deleted entries).
"""

from __future__ import annotations

import difflib
import functools
import hashlib
import json
import logging
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import islice

from django.core.cache import cache
from django.db.models import Count, Max
from django.utils.translation import get_language
from wagtail.search.backends import get_search_backend

from ..facets import Match, facet_page, normalise_facets
from ..models import EntryKind, GuidanceEntry
from ..query import clean_text
from .base import FACETS, SORT_NEWEST, SORT_RELEVANCE, EngineResult, Hit, Query, Suggestion
from .sql import autocomplete, dialect_for, faceted_search

logger = logging.getLogger(__name__)

DATABASE_BACKEND = "wagtail.search.backends.database"
# Only where the database has no search statement (search.engines.sql): the most matches
# one search loads for faceting in Python; past that, totals and counts cover these.
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
# One search's answer (a page of ids and the facet counts: a few hundred bytes) and one
# prefix's suggestions, each with the index version it was computed for.
SEARCH_CACHE_KEY = "guidance-search:search:{digest}"
SUGGEST_CACHE_KEY = "guidance-search:suggest:{language}:{limit}:{digest}"
RESULTS_TIMEOUT = 5 * 60

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
    return _read_index_version() if version is None else version


def _read_index_version() -> str:
    state = GuidanceEntry.objects.aggregate(count=Count("pk"), latest=Max("indexed_at"))
    latest = state["latest"].timestamp() if state["latest"] else 0
    version = f"{state['count']}-{latest}"
    cache.set(VERSION_CACHE_KEY, version, VERSION_TIMEOUT)
    return version


def for_this_index(key: str, build, timeout: int):
    """`build()`, kept under `key` with the index version it was built for: the version and
    the value come in one cache round trip, and a value of another version is built again.
    Built every time while the cache does not answer."""
    try:
        found = cache.get_many([VERSION_CACHE_KEY, key])
    except Exception:
        logger.warning("The cache did not answer: building %s.", key, exc_info=True)
        return build()
    version = found.get(VERSION_CACHE_KEY)
    if version is None:
        version = _read_index_version()
    kept = found.get(key)
    if isinstance(kept, tuple) and len(kept) == 2 and kept[0] == version:
        return kept[1]
    value = build()
    try:
        cache.set(key, (version, value), timeout)
    except Exception:
        logger.warning("The cache did not answer: %s not kept.", key, exc_info=True)
    return value


def _digest(*parts) -> str:
    return hashlib.sha256(json.dumps(parts, ensure_ascii=False).encode()).hexdigest()


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

    # --- searching ---------------------------------------------------------------------

    def search(self, query: Query) -> EngineResult:
        """One page of the matches with the total and the facet counts: one statement
        (search.engines.sql), kept until the index changes, so asking again (the same page,
        from the next visitor) costs no query."""
        if not query.text:
            return EngineResult(total=0, hits=())
        sort = SORT_NEWEST if query.sort == SORT_NEWEST else SORT_RELEVANCE
        filters = {
            facet: sorted(set(query.filters[facet])) for facet in FACETS if query.filters.get(facet)
        }
        offset, limit = max(query.offset, 0), max(query.limit, 0)
        key = SEARCH_CACHE_KEY.format(digest=_digest(query.text, filters, sort, offset, limit))
        return for_this_index(
            key,
            lambda: self._search(query.text, filters, sort=sort, offset=offset, limit=limit),
            RESULTS_TIMEOUT,
        )

    def _search(
        self, text: str, filters: dict[str, list[str]], *, sort: str, offset: int, limit: int
    ) -> EngineResult:
        dialect = dialect_for(self.backend)
        if dialect is None:
            total, matched, ids, facets = self._search_in_python(
                text, filters, sort=sort, offset=offset, limit=limit
            )
        else:
            rows = faceted_search(dialect, text, filters, sort=sort, offset=offset, limit=limit)
            total, matched, ids, facets = rows.total, rows.matched, rows.ids, rows.facets
        return EngineResult(
            total=total,
            hits=tuple(Hit(entry_id=entry_id) for entry_id in ids),
            facets=facets,
            # Spelling-near words when the words matched nothing (filters aside).
            suggestions=() if matched else self.spelling(text),
        )

    def _search_in_python(self, text, filters, *, sort, offset, limit):
        """Where the database has no search statement: the backend ranks the matches (at
        most MAX_MATCHES) and `search.facets` filters, counts, sorts and slices them."""
        results = self.backend.search(text, GuidanceEntry.objects.all(), operator="and")
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
        page = facet_page(matches, filters, sort=sort, offset=offset, limit=limit)
        return page.total, len(matches), page.ids, page.facets

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
        key = SUGGEST_CACHE_KEY.format(language=language, limit=limit, digest=_digest(text))
        return for_this_index(key, lambda: self._suggest(text, limit, language), RESULTS_TIMEOUT)

    def _suggest(self, text: str, limit: int, language: str) -> list[Suggestion]:
        """At most `limit` suggestions from two index lookups (the indicator codes, then the
        title prefixes), each reading `limit * 3` rows of five short columns."""
        fields = ("id", "kind", "title", "url", "language")
        candidates: list[tuple] = []
        if CODE_PREFIX.fullmatch(text):
            coded = GuidanceEntry.objects.filter(
                kind=EntryKind.INDICATOR, title__startswith=text
            ).values_list(*fields)[: limit * 3]
            candidates += sorted(coded, key=lambda row: _code_key(row[2]))
        dialect = dialect_for(self.backend)
        if dialect is None:
            found = self.backend.autocomplete(
                text, GuidanceEntry.objects.only(*fields), operator="and"
            )[: limit * 3]
            titles = [tuple(getattr(entry, name) for name in fields) for entry in found]
        else:
            titles = autocomplete(dialect, text, limit * 3)
        candidates += sorted(titles, key=lambda row: row[4] != language)
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
        forget_index_version()


def _unique_suggestions(rows: Iterable[tuple]) -> Iterable[Suggestion]:
    """(id, kind, title, url, language) rows as suggestions, each title once."""
    seen: set[str] = set()
    for _id, kind, title, url, _language in rows:
        key = fold(title)
        if key not in seen:
            seen.add(key)
            yield Suggestion(text=title, url=url, kind=kind)
