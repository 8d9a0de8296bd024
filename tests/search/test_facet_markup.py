"""The search page's markup written in Python (search.templatetags.search_tags): facet values
(labels and links escaped, a chosen value marked for assistive technology, counts spoken
with their noun) and results (escaped, the trail introduced for screen readers, `lang` on a
result in another language)."""

from __future__ import annotations

from django.utils import translation
from django.utils.safestring import mark_safe

from search.service import FacetValue, Link, Result, Tag
from search.templatetags.search_tags import facet_items, search_results


def value(
    label: str, count: int, *, selected: bool = False, url: str = "/search/?q=a"
) -> FacetValue:
    return FacetValue(value=label, label=label, count=count, selected=selected, url=url)


def test_labels_and_links_are_escaped():
    html = facet_items([value('<img src=x onerror="alert(1)">', 2, url='/s/?q="><script>')])
    assert "<img" not in html and "<script>" not in html
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in html
    assert 'href="/s/?q=&quot;&gt;&lt;script&gt;"' in html


def test_a_chosen_value_and_the_counts():
    with translation.override("en"):
        html = facet_items([value("Kenya", 1, selected=True), value("Peru", 1234)])
    assert html == (
        '<li><a href="/search/?q=a" aria-current="true" class="facet-selected">'
        '<span class="visually-hidden">Remove filter: </span>'
        '<span class="facet-label">Kenya</span> <span class="facet-count">1'
        '<span class="visually-hidden"> result</span></span></a></li>'
        '<li><a href="/search/?q=a"><span class="facet-label">Peru</span> '
        '<span class="facet-count">1234<span class="visually-hidden"> results</span></span>'
        "</a></li>"
    )


def test_the_words_follow_the_language():
    with translation.override("fr"):
        html = facet_items([value("Kenya", 1, selected=True), value("Pérou", 2)])
    assert "Retirer le filtre" in html
    assert "> résultat</span>" in html and "> résultats</span>" in html


# --- the results (search_tags.search_results) ----------------------------------------------


def result(**fields) -> Result:
    values = {
        "title": "Border <posts>",
        "url": "/lessons/border/",
        "kind": "lesson",
        "kind_label": "Lesson",
        "language": "en",
        "trail": (Link("P1 Rights", "/p1/"), Link("Module & more", "")),
        "extract": mark_safe("… the <mark>border</mark> &amp; …"),  # noqa: S308 - a test value
        "tags": (Tag("3.4", "Measures", "/i/3-4/"), Tag("", "Untitled <x>", "")),
    }
    values.update(fields)
    return Result(**values)


def test_a_result_in_full():
    with translation.override("en"):
        html = search_results([result()])
    assert html == (
        '<li class="search-result"><h3><a href="/lessons/border/">Border &lt;posts&gt;</a></h3>'
        '<p class="result-meta"><span class="result-kind">Lesson</span>'
        '<span class="result-trail"><span class="visually-hidden">in </span>'
        '<a href="/p1/">P1 Rights</a> <span aria-hidden="true">›</span> Module &amp; more'
        "</span></p>"
        '<p class="result-extract">… the <mark>border</mark> &amp; …</p>'
        '<ul class="tag-list" aria-label="Indicators">'
        '<li><a class="tag" href="/i/3-4/">3.4 Measures</a></li>'
        '<li><span class="tag">Untitled &lt;x&gt;</span></li></ul></li>'
    )


def test_a_result_in_another_language_says_so_and_a_bare_one_has_no_empty_parts():
    with translation.override("en"):
        html = search_results([result(language="fr", trail=(), extract="", tags=())])
    assert html == (
        '<li class="search-result" lang="fr"><h3><a href="/lessons/border/">'
        'Border &lt;posts&gt;</a></h3><p class="result-meta">'
        '<span class="result-kind">Lesson</span></p></li>'
    )
    with translation.override("fr"):
        french = search_results([result(language="fr")])
    assert 'lang="fr"' not in french and 'aria-label="Indicateurs"' in french
