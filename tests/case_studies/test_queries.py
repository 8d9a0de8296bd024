"""The listing does not grow its queries with the number of case studies or their tags."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from case_studies.choices import Region
from case_studies.selectors import case_study_listing

from .conftest import make_case_study

pytestmark = pytest.mark.django_db

ELEMENTS = ["P1", "P2", "P3", "O1", "O2", "O3"]
INDICATORS = ["eiu16-1-1", "eiu16-2-1", "eiu16-3-1", "eiu16-4-1", "sdg-10-7-3", "mgi-d1-s01"]
COUNTRIES = ["GH", "MX", "PH", "SE", ""]
REGIONS = [Region.AFRICA, Region.AMERICAS, Region.ASIA, Region.EUROPE, Region.MULTI_REGIONAL]

# The selector: view restrictions (for the elements), the default locale, the elements,
# the tagged indicators, the case studies, their elements, their indicators, the countries
# in use; one more to look up an indicator no case study is tagged with.
SELECTOR_QUERIES = 8
# Measured on SQLite with warm caches: 18 for the whole page (Wagtail's routing, the
# navigation and the selector). The equality between sizes is the check; the bound leaves
# a little room for unrelated changes to the base template.
PAGE_QUERIES = 21

PARAMS = [
    ({}, SELECTOR_QUERIES),
    ({"region": "africa", "element": "P1"}, SELECTOR_QUERIES),
    ({"country": "GH", "indicator": "eiu16-1-1"}, SELECTOR_QUERIES),
    ({"country": "ZZ", "indicator": "nope"}, SELECTOR_QUERIES + 1),
]


def build(index, size: int) -> None:
    for n in range(size):
        make_case_study(
            index,
            f"Case {n}",
            country=COUNTRIES[n % len(COUNTRIES)],
            region=REGIONS[n % len(REGIONS)],
            elements=(ELEMENTS[n % 6], ELEMENTS[(n + 1) % 6]),
            indicators=tuple(INDICATORS[: 1 + n % len(INDICATORS)]),
            illustrative=n % 2 == 0,
        )


@pytest.mark.parametrize("size", [2, 24])
@pytest.mark.parametrize(("params", "queries"), PARAMS)
def test_selector_runs_a_fixed_number_of_queries(
    case_index, django_assert_num_queries, size, params, queries
):
    build(case_index, size)
    with django_assert_num_queries(queries):
        listing = case_study_listing(case_index, params)
        for card in listing.cards:  # what the template reads
            _ = [e.code for e in card.elements], [i.slug for i in card.indicators]
    if not params:
        assert len(listing.cards) == size


def page_queries(client, url) -> int:
    assert client.get(url).status_code == 200  # warm the caches (site root paths, types)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("params", ["", "?region=africa&element=P1&country=GH"])
def test_page_queries_do_not_grow_with_data(client, case_index, params):
    build(case_index, 2)
    small = page_queries(client, case_index.url + params)
    build(case_index, 22)
    large = page_queries(client, case_index.url + params)
    assert small == large, f"{small} queries for 2 case studies, {large} for 24"
    assert large <= PAGE_QUERIES
