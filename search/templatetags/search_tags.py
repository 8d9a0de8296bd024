"""The search page's facet values, written in Python: a page shows some seventy of them,
and an `{% include %}` per value took a fifth of the page's rendering."""

from __future__ import annotations

from collections.abc import Iterable

from django import template
from django.utils.formats import localize
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext, ngettext

from ..service import FacetValue

register = template.Library()

_COUNT = (
    '<span class="facet-label">{}</span> <span class="facet-count">{}'
    '<span class="visually-hidden"> {}</span></span></a></li>'
)
CHOSEN = (
    '<li><a href="{}" aria-current="true" class="facet-selected">'
    '<span class="visually-hidden">{} </span>' + _COUNT
)
OFFERED = '<li><a href="{}">' + _COUNT


def _item(item: FacetValue, remove: str) -> SafeString:
    count = (localize(item.count), ngettext("result", "results", item.count))
    if item.selected:
        return format_html(CHOSEN, item.url, remove, item.label, *count)
    return format_html(OFFERED, item.url, item.label, *count)


@register.simple_tag
def facet_items(values: Iterable[FacetValue]) -> SafeString:
    """One `<li>` per value: a link that adds or removes the filter, its label and its
    count (with "results" for screen readers); a chosen value says it removes the filter."""
    remove = gettext("Remove filter:")
    return format_html_join("", "{}", ((_item(item, remove),) for item in values))
