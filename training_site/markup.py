"""Markup written in Python where a page repeats a row many times (the cohort matrix's cells,
the search page's results and facets, the dashboard's mastery rows): Django's template
engine spends most of such a page's time on the loop. Every value goes through `escape`."""

from __future__ import annotations

import html

from django.utils.formats import localize
from django.utils.translation import gettext


def escape(value: object) -> str:
    """& < > " ' as entities: the characters django.utils.html.escape replaces, by the same
    standard-library function, without its lazy-string check (slower per call)."""
    return html.escape(str(value), quote=True)


def percent(value) -> str:
    """ "42%" in the active language (the msgid of the templates' `{% blocktranslate %}{{ percent
    }}%{% endblocktranslate %}`, so the catalogues apply), the number localised; not escaped."""
    return gettext("%(percent)s%%") % {"percent": localize(value)}
