"""Read the search page's GET parameters into a search request, whatever they hold.

Nothing here raises on user input: junk becomes a sane default, and what the person should
know (a shortened query, an unknown sort order) becomes a message shown on the page.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from .engines.base import FACETS, SORT_NEWEST, SORT_RELEVANCE, Query

MAX_QUERY_LENGTH = 200
# Read no more than this of the raw parameter: a megabyte of text costs nothing to refuse.
MAX_RAW_LENGTH = 4 * MAX_QUERY_LENGTH
MAX_VALUES_PER_FACET = 20
MAX_VALUE_LENGTH = 100
PAGE_SIZE = 10
# Pages past this are not pages anyone reads; it also keeps int() away from huge numbers.
MAX_PAGE_DIGITS = 6
SORTS = (SORT_RELEVANCE, SORT_NEWEST)


@dataclass(frozen=True)
class SearchRequest:
    text: str = ""  # cleaned: words and codes only; "" when there is nothing to search
    raw_text: str = ""  # what the person typed (bounded), to know if anything was typed
    filters: dict[str, tuple[str, ...]] = field(default_factory=dict)
    sort: str = SORT_RELEVANCE
    page: int = 1  # as asked for; the service brings it back within the result pages
    messages: tuple[str, ...] = ()

    def to_query(self, page: int | None = None, page_size: int = PAGE_SIZE) -> Query:
        page = page or self.page
        return Query(
            text=self.text,
            filters=self.filters,
            sort=self.sort,
            offset=(page - 1) * page_size,
            limit=page_size,
        )


def _keep(char: str) -> bool:
    """Letters of every script, combining marks (Arabic vowels, Devanagari signs), digits."""
    return unicodedata.category(char)[0] in "LMN"


def _is_code_dot(text: str, index: int) -> bool:
    """A dot between two digits, as in the indicator code "3.4"; other dots are punctuation."""
    return (
        text[index] == "."
        and 0 < index < len(text) - 1
        and text[index - 1].isdigit()
        and text[index + 1].isdigit()
    )


def clean_text(raw: str | None) -> tuple[str, bool]:
    """Letters (any script), combining marks, digits and code dots; operators, quotes and
    punctuation reach no engine's query syntax. Returns (text, shortened) where text has at
    most MAX_QUERY_LENGTH characters, cut at a word boundary where there is one."""
    raw = (raw or "")[:MAX_RAW_LENGTH]
    kept = [
        char if _keep(char) or _is_code_dot(raw, index) else " " for index, char in enumerate(raw)
    ]
    text = " ".join("".join(kept).split())
    if len(text) <= MAX_QUERY_LENGTH:
        return text, False
    cut = text[: MAX_QUERY_LENGTH + 1]
    cut = cut.rsplit(" ", 1)[0] if " " in cut else cut[:MAX_QUERY_LENGTH]
    return cut[:MAX_QUERY_LENGTH].strip(), True


def _last(params: Mapping, name: str) -> str:
    """The last value of a parameter (as QueryDict.get gives it), or ""."""
    getlist = getattr(params, "getlist", None)
    values = getlist(name) if getlist else [params.get(name)]
    values = [value for value in values if isinstance(value, str)]
    return values[-1] if values else ""


def _all(params: Mapping, name: str) -> list[str]:
    getlist = getattr(params, "getlist", None)
    values = getlist(name) if getlist else params.get(name, [])
    if isinstance(values, str):
        values = [values]
    return [value for value in values if isinstance(value, str)]


def clean_filters(params: Mapping) -> dict[str, tuple[str, ...]]:
    """Known facets only; each value once, trimmed, bounded in length and number. Values no
    entry carries are kept: they simply match nothing, and the active filter can be removed."""
    filters = {}
    for facet in FACETS:
        values = []
        for value in _all(params, facet):
            value = "".join(char for char in value if char.isprintable()).strip()
            if value and len(value) <= MAX_VALUE_LENGTH and value not in values:
                values.append(value)
        if values:
            filters[facet] = tuple(values[:MAX_VALUES_PER_FACET])
    return filters


def parse_page(raw: str) -> int:
    """A positive page number; anything else (text, 0, negative, absurd) is page 1."""
    raw = raw.strip()
    if not raw.isascii() or not raw.isdigit() or len(raw) > MAX_PAGE_DIGITS:
        return 1
    return max(int(raw), 1)


def parse_search_params(params: Mapping) -> SearchRequest:
    """The search page's GET parameters (a QueryDict, or any mapping) as a SearchRequest."""
    messages = []
    raw_text = _last(params, "q")[:MAX_RAW_LENGTH]
    text, shortened = clean_text(raw_text)
    if shortened:
        messages.append(
            _("Your search was shortened to %(count)s characters.") % {"count": MAX_QUERY_LENGTH}
        )
    sort = _last(params, "sort")
    if sort and sort not in SORTS:
        messages.append(_("Unknown sort order: showing the most relevant results first."))
    return SearchRequest(
        text=text,
        raw_text=raw_text.strip(),
        filters=clean_filters(params),
        sort=sort if sort in SORTS else SORT_RELEVANCE,
        page=parse_page(_last(params, "page")),
        messages=tuple(messages),
    )
