"""The search page's results and facet values, written in Python: a page shows ten results
with their trails and indicator tags and some seventy facet values, and the template's
loops over them took most of the page's rendering."""

from __future__ import annotations

import functools
from collections.abc import Iterable

from django import template
from django.utils.formats import localize
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext, ngettext

from training_site.markup import escape

from ..service import FacetValue, Result

register = template.Library()


@functools.lru_cache(maxsize=4096)
def _count(language: str | None, count: int) -> str:
    """A count and its noun for screen readers, in the language: worked out once per
    language and count (the plural rule is Python code run on each call)."""
    noun = ngettext("result", "results", count)
    return f'{escape(localize(count))}<span class="visually-hidden"> {escape(noun)}</span>'


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


def _result(result: Result, language: str | None, in_words: str, tags_label: str) -> str:
    lang = (
        f' lang="{escape(result.language)}"'
        if result.language and result.language != language
        else ""
    )
    trail = ""
    if result.trail:
        crumbs = ' <span aria-hidden="true">›</span> '.join(
            f'<a href="{escape(crumb.url)}">{escape(crumb.text)}</a>'
            if crumb.url
            else escape(crumb.text)
            for crumb in result.trail
        )
        trail = (
            f'<span class="result-trail"><span class="visually-hidden">{in_words} </span>'
            f"{crumbs}</span>"
        )
    extract = f'<p class="result-extract">{result.extract}</p>' if result.extract else ""
    tags = ""
    if result.tags:
        items = "".join(
            f'<li><a class="tag" href="{escape(tag.url)}">{escape(tag.label)}</a></li>'
            if tag.url
            else f'<li><span class="tag">{escape(tag.label)}</span></li>'
            for tag in result.tags
        )
        tags = f'<ul class="tag-list" aria-label="{tags_label}">{items}</ul>'
    return (
        f'<li class="search-result"{lang}><h3><a href="{escape(result.url)}">'
        f"{escape(result.title)}</a></h3>"
        f'<p class="result-meta"><span class="result-kind">{escape(result.kind_label)}</span>'
        f"{trail}</p>{extract}{tags}</li>"
    )


@register.simple_tag
def search_results(results: Iterable[Result]) -> SafeString:
    """One `<li>` per result: its title linked, its type and trail (a screen reader hears
    "in" before the trail, not the arrows), its extract (escaped, with <mark>s, by
    search.service.make_extract) and its indicator tags; `lang` where its language is not
    the page's."""
    language = get_language()
    in_words = escape(gettext("in"))
    tags_label = escape(gettext("Indicators"))
    # Every value went through escape() in _result; the extract is escaped already.
    # nosemgrep: migof-mark-safe -- each dynamic part is escaped in _result
    return mark_safe("".join(_result(r, language, in_words, tags_label) for r in results))  # noqa: S308
