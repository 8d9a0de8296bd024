"""What every engine takes and returns: plain data, so one behavioural suite tests them all."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

SORT_RELEVANCE = "relevance"
SORT_NEWEST = "newest"

# The facets, in display order. "kind" and "language" are columns of GuidanceEntry; the
# others are keys of GuidanceEntry.facets. Values are strings.
FACETS = ("kind", "element", "framework", "domain", "indicator", "country", "region", "language")


class EngineUnavailable(RuntimeError):
    """The engine did not answer or refused the request: search is temporarily down."""


@dataclass(frozen=True)
class Query:
    text: str  # cleaned (search.query.clean_text): never empty when an engine runs
    filters: dict[str, tuple[str, ...]] = field(default_factory=dict)  # facet -> values (OR)
    sort: str = SORT_RELEVANCE
    offset: int = 0
    limit: int = 10


@dataclass(frozen=True)
class Hit:
    entry_id: int  # GuidanceEntry.pk
    # Highlighted extract as safe HTML (only <mark> tags; the text escaped), or "" to let the
    # service cut one from the entry's body.
    highlight: str = ""


@dataclass(frozen=True)
class EngineResult:
    total: int
    hits: tuple[Hit, ...]  # the requested page, in order
    # facet -> {value: count}, counted over all matches with every OTHER facet's filter
    # applied (so a facet's own values stay selectable, as shoppers expect).
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    # Spelling-near terms when the engine can offer them (shown when nothing matched).
    suggestions: tuple[str, ...] = ()


@dataclass(frozen=True)
class Suggestion:
    text: str
    url: str
    kind: str  # an EntryKind value


class Engine(Protocol):
    name: str

    def search(self, query: Query) -> EngineResult: ...

    def suggest(self, prefix: str, *, limit: int = 8) -> list[Suggestion]: ...

    # Index maintenance: called with GuidanceEntry rows already saved in the database.
    def index_entries(self, entries) -> None: ...

    def delete_keys(self, keys: list[str]) -> None: ...

    def rebuild(self, entries) -> None: ...
