"""The facet values' markup (search.templatetags.search_tags.facet_items): labels and links
escaped, a chosen value marked for assistive technology, counts spoken with their noun."""

from __future__ import annotations

from django.utils import translation

from search.service import FacetValue
from search.templatetags.search_tags import facet_items


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
