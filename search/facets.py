"""Filtering, disjunctive facet counts, sorting and paging over a list of matches.

Pure functions over plain data: every match of a query (id, type, language, facet values,
publication date), in relevance order, in; the page, the total and the facet counts out. No
ORM, no request, no clock. This is the definition the database engine's SQL answers to
(search.engines.sql; tests/search/test_database_engine.py compares the two), and the
engine's own path on databases that have no search statement.

Facet semantics (the same for every engine):

- values within one facet are alternatives (OR), facets combine (AND);
- each facet's counts are taken over the matches that pass every OTHER facet's filter, so
  the values of a facet stay selectable next to the one already chosen ("disjunctive"
  faceting, as on shopping sites).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from .engines.base import FACETS, SORT_NEWEST, SORT_RELEVANCE

# Columns of GuidanceEntry; every other facet is a key of GuidanceEntry.facets.
COLUMN_FACETS = ("kind", "language")


@dataclass(frozen=True)
class Match:
    """One entry that matched the text, as the database engine loads it (no body)."""

    id: int
    kind: str
    language: str
    facets: Mapping[str, Sequence[str]] = field(default_factory=dict)
    published_at: datetime | None = None

    def values(self, facet: str) -> tuple[str, ...]:
        """The entry's values for a facet, as strings, each once."""
        if facet in COLUMN_FACETS:
            value = getattr(self, facet)
            return (value,) if value else ()
        raw = self.facets.get(facet) or ()
        if isinstance(raw, tuple):  # already normalised (normalise_facets)
            return raw
        return _normalised(raw)


def _normalised(raw) -> tuple[str, ...]:
    if isinstance(raw, str | int):  # tolerate a scalar where a list was meant
        raw = (raw,)
    return tuple(dict.fromkeys(str(value) for value in raw if value not in (None, "")))


def normalise_facets(raw) -> dict[str, tuple[str, ...]]:
    """An entry's stored facets as Match.values gives them: done once when the matches are
    loaded, not for every facet of every match on every request."""
    if not isinstance(raw, Mapping):
        return {}
    return {str(facet): _normalised(values or ()) for facet, values in raw.items()}


@dataclass(frozen=True)
class FacetedPage:
    total: int  # matches passing every filter
    ids: tuple[int, ...]  # the requested slice, sorted
    facets: dict[str, dict[str, int]]  # facet -> {value: count}, most frequent first


def failing_facets(match: Match, filters: Mapping[str, Iterable[str]]) -> frozenset[str]:
    """The filtered facets this match does not satisfy (none of its values is selected)."""
    failing = set()
    for facet, wanted in filters.items():
        wanted = set(wanted)
        if wanted and wanted.isdisjoint(match.values(facet)):
            failing.add(facet)
    return frozenset(failing)


def count_facets(
    matches: Iterable[Match],
    filters: Mapping[str, Iterable[str]],
    facets: Sequence[str] = FACETS,
) -> dict[str, dict[str, int]]:
    """Disjunctive counts: facet f counts the matches passing every filter except f's own.

    One pass: a match failing no filter counts in every facet; a match failing exactly one
    filter counts only in that facet (the one whose filter is lifted); any other is out.
    """
    counters: dict[str, Counter[str]] = {facet: Counter() for facet in facets}
    for match in matches:
        failing = failing_facets(match, filters)
        if len(failing) > 1:
            continue
        for facet in failing or facets:
            if facet in counters:
                counters[facet].update(match.values(facet))
    return {
        facet: dict(sorted(counter.items(), key=lambda item: (-item[1], item[0])))
        for facet, counter in counters.items()
        if counter
    }


def filter_matches(matches: Iterable[Match], filters: Mapping[str, Iterable[str]]) -> list[Match]:
    return [match for match in matches if not failing_facets(match, filters)]


def sort_matches(matches: Sequence[Match], sort: str) -> list[Match]:
    """Relevance keeps the engine's order; newest puts the latest publication first, entries
    without a date last, and keeps relevance order between equal dates (a stable sort)."""
    if sort != SORT_NEWEST:
        return list(matches)
    dated = sorted(
        (match for match in matches if match.published_at is not None),
        key=lambda match: match.published_at,
        reverse=True,
    )
    # sorted(reverse=True) keeps equal keys in their original order: relevance stays.
    return dated + [match for match in matches if match.published_at is None]


def facet_page(
    matches: Sequence[Match],
    filters: Mapping[str, Iterable[str]],
    *,
    sort: str = SORT_RELEVANCE,
    offset: int = 0,
    limit: int = 10,
) -> FacetedPage:
    """Everything a result page needs from the matches: count, the page's ids, facet counts."""
    kept = sort_matches(filter_matches(matches, filters), sort)
    offset = max(offset, 0)
    page = kept[offset : offset + max(limit, 0)]
    return FacetedPage(
        total=len(kept),
        ids=tuple(match.id for match in page),
        facets=count_facets(matches, filters),
    )
