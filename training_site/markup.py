"""Markup written in Python where a page repeats a row many times (the cohort matrix's cells,
the search page's results and facets, the dashboard's mastery rows): Django's template
engine spends most of such a page's time on the loop. Every value goes through `escape`."""

from __future__ import annotations

import html


def escape(value: object) -> str:
    """& < > " ' as entities: the characters django.utils.html.escape replaces, by the same
    standard-library function, without its lazy-string check (slower per call)."""
    return html.escape(str(value), quote=True)
