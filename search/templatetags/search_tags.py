"""The search page's facet values, written in Python: a page shows some seventy of them,
and an `{% include %}` per value took a fifth of the page's rendering."""

from __future__ import annotations

import functools
from collections.abc import Iterable

from django import template
from django.utils.formats import localize
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext, ngettext

from ..service import FacetValue

register = template.Library()


@functools.lru_cache(maxsize=4096)
def _count(language: str | None, count: int) -> str:
    """A count and its noun for screen readers, in the language: worked out once per
    language and count (the plural rule is Python code run on each call)."""
    return (
        f'{escape(localize(count))}<span class="visually-hidden"> '
        f"{escape(ngettext('result', 'results', count))}</span>"
    )


@register.simple_tag
def facet_items(values: Iterable[FacetValue]) -> SafeString:
    """One `<li>` per value: a link that adds or removes the filter, its label and its
    count (with "results" for screen readers); a chosen value says it removes the filter."""
    chosen = (
        '" aria-current="true" class="facet-selected"><span class="visually-hidden">'
        f"{escape(gettext('Remove filter:'))} </span>"
    )
    language = get_language()
    parts = []
    for item in values:
        count = _count(language, item.count)
        end = chosen if item.selected else '">'
        parts.append(
            f'<li><a href="{escape(item.url)}{end}'
            f'<span class="facet-label">{escape(item.label)}</span> '
            f'<span class="facet-count">{count}</span></a></li>'
        )
    # Every value above went through escape(); the rest is this function's own markup.
    # nosemgrep: migof-mark-safe -- each dynamic part is escaped above
    return mark_safe("".join(parts))  # noqa: S308
