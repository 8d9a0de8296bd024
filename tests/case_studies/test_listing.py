"""The /case-studies/ listing: live case studies, filters that combine, bad filters explained."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from case_studies.choices import Region
from case_studies.selectors import parse_filters

from .conftest import make_case_study

pytestmark = pytest.mark.django_db


@dataclass
class Shelf:
    index: object
    ghana: object  # Africa, P2, EIU16 1.5, 2016
    morocco: object  # Africa, O3 + P3, EIU16 3.4
    scenario: object  # Asia, illustrative, O1, EIU16 4.5 + SDG 10.7.1
    draft: object  # Africa, P2, unpublished


@pytest.fixture
def shelf(case_index) -> Shelf:
    return Shelf(
        index=case_index,
        ghana=make_case_study(
            case_index,
            "Migration data in Ghana",
            country="GH",
            region=Region.AFRICA,
            elements=("P2",),
            indicators=("eiu16-1-5",),
            year=2016,
        ),
        morocco=make_case_study(
            case_index,
            "Border cooperation in Morocco",
            country="MA",
            region=Region.AFRICA,
            elements=("O3", "P3"),
            indicators=("eiu16-3-4",),
        ),
        scenario=make_case_study(
            case_index,
            "Remittances scenario",
            region=Region.ASIA,
            elements=("O1",),
            indicators=("eiu16-4-5", "sdg-10-7-1"),
            illustrative=True,
        ),
        draft=make_case_study(
            case_index,
            "Unpublished draft",
            country="GH",
            region=Region.AFRICA,
            elements=("P2",),
            publish=False,
        ),
    )


def listed(client, index, **params) -> tuple[list[str], str]:
    response = client.get(index.url, params)
    assert response.status_code == 200
    titles = [card.page.title for card in response.context["listing"].cards]
    return titles, response.content.decode()


def test_lists_every_live_case_study_and_counts_them(client, shelf):
    titles, html = listed(client, shelf.index)
    assert titles == [
        "Migration data in Ghana",
        "Border cooperation in Morocco",
        "Remittances scenario",
    ]
    assert '<p role="status">3 case studies</p>' in html
    assert "Unpublished draft" not in html


def test_cards_show_place_year_elements_and_the_illustrative_label(client, shelf):
    _, html = listed(client, shelf.index)
    assert "Ghana · Africa · 2016" in html
    assert html.count("Illustrative scenario: not a real country") == 1
    o1_title = "Advance the socioeconomic well-being of migrants and society"
    assert f'<li class="tag" title="{o1_title}">O1</li>' in html


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"country": "GH"}, ["Migration data in Ghana"]),
        ({"country": "ma"}, ["Border cooperation in Morocco"]),  # case does not matter
        ({"region": "africa"}, ["Migration data in Ghana", "Border cooperation in Morocco"]),
        ({"region": "asia"}, ["Remittances scenario"]),
        ({"element": "P3"}, ["Border cooperation in Morocco"]),
        ({"element": "o1"}, ["Remittances scenario"]),
        ({"indicator": "sdg-10-7-1"}, ["Remittances scenario"]),
        ({"indicator": "eiu16-1-5"}, ["Migration data in Ghana"]),
        ({"country": "", "region": "", "element": "", "indicator": ""}, None),  # "all"
    ],
)
def test_each_filter(client, shelf, params, expected):
    titles, html = listed(client, shelf.index, **params)
    if expected is None:
        assert len(titles) == 3
        return
    assert titles == expected
    assert "No such" not in html


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"region": "africa", "element": "O3"}, ["Border cooperation in Morocco"]),
        (
            {"region": "africa", "element": "P2", "indicator": "eiu16-1-5"},
            ["Migration data in Ghana"],
        ),
        ({"region": "asia", "element": "P2"}, []),
        ({"country": "GH", "indicator": "eiu16-3-4"}, []),
    ],
)
def test_filters_combine(client, shelf, params, expected):
    titles, html = listed(client, shelf.index, **params)
    assert titles == expected
    if not expected:
        assert "No case study matches these filters." in html
        assert '<p role="status">0 case studies</p>' in html


def test_the_form_keeps_what_was_chosen_and_offers_to_clear_it(client, shelf):
    _, html = listed(client, shelf.index, region="africa", element="O3")
    assert '<form class="filters" method="get"' in html
    for name in ("country", "region", "element", "indicator"):
        assert f'<label for="f-{name}">' in html
        assert f'<select id="f-{name}" name="{name}">' in html
    assert '<option value="africa" selected>' in html
    assert '<option value="O3" selected>' in html
    assert f'<a href="{shelf.index.url}">Clear filters</a>' in html
    assert '<button class="button" type="submit">' in html


def test_options_offer_only_countries_and_indicators_in_use(client, shelf):
    _, html = listed(client, shelf.index)
    assert '<option value="GH">Ghana</option>' in html
    assert '<option value="MA">Morocco</option>' in html
    assert '<option value="FR">' not in html
    assert '<option value="eiu16-4-5">' in html
    assert '<option value="eiu16-1-1">' not in html  # tagged on nothing
    assert "Clear filters" not in html  # nothing to clear


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"country": "ZZ"}, "No such country filter: “ZZ”. It was ignored."),
        ({"region": "atlantis"}, "No such region filter: “atlantis”. It was ignored."),
        ({"element": "P9"}, "No such MIGOF element filter: “P9”. It was ignored."),
        (
            {"indicator": "no-such-thing"},
            "No such indicator filter: “no-such-thing”. It was ignored.",
        ),
        (
            {"element": "<script>"},
            "No such MIGOF element filter: “&lt;script&gt;”. It was ignored.",
        ),
    ],
)
def test_an_unknown_filter_is_ignored_with_a_message(client, shelf, params, message):
    titles, html = listed(client, shelf.index, **params)
    assert len(titles) == 3
    assert message in html
    assert "<script>" not in html.split("<main", 1)[1]


def test_a_bad_filter_does_not_drop_the_good_ones(client, shelf):
    titles, html = listed(client, shelf.index, region="asia", country="XX", element="O1")
    assert titles == ["Remittances scenario"]
    assert "No such country filter: “XX”" in html
    assert "No such region" not in html


def test_a_real_indicator_nobody_tagged_is_a_valid_filter(client, shelf):
    titles, html = listed(client, shelf.index, indicator="eiu16-1-1")
    assert titles == []
    assert "No such indicator" not in html
    assert '<option value="eiu16-1-1" selected>1.1 Institutional framework</option>' in html


def test_a_valid_country_with_no_case_study_is_kept_selected(client, shelf):
    titles, html = listed(client, shelf.index, country="fr")
    assert titles == []
    assert '<option value="FR" selected>France</option>' in html
    assert "No such country" not in html


def test_repeated_parameters_use_the_last_value(client, shelf):
    response = client.get(shelf.index.url + "?region=asia&region=africa")
    assert response.status_code == 200
    assert [c.page.title for c in response.context["listing"].cards] == [
        "Migration data in Ghana",
        "Border cooperation in Morocco",
    ]


@pytest.mark.parametrize(
    ("params", "kept", "rejected"),
    [
        ({"country": "gh", "region": "AFRICA"}, {"country": "GH", "region": "africa"}, []),
        ({"element": " p2 "}, {"element": "P2"}, []),
        ({"indicator": "X" * 500}, {}, [("indicator", "X" * 80)]),
        ({"region": "europe", "element": "Z1"}, {"region": "europe"}, [("element", "Z1")]),
    ],
)
def test_parse_filters(params, kept, rejected):
    filters, bad = parse_filters(
        params,
        country_codes={"GH", "MA"},
        region_values={"africa", "europe"},
        element_codes={"P2"},
        indicator_slugs={"eiu16-1-1"},
    )
    assert {k: v for k, v in vars(filters).items() if v} == kept
    assert [(b.name, b.value) for b in bad] == rejected


@pytest.mark.parametrize(
    "query",
    [
        "country=%00",
        "region=%ff%fe",
        "element=" + "P" * 5000,
        "indicator=%00eiu16-1-5",
        "country=GH&country=&country=%00",
        "element[]=P1",
        "indicator=../../etc/passwd",
    ],
)
def test_junk_in_the_query_string_never_breaks_the_listing(shelf, query):
    from django.test import Client

    response = Client(raise_request_exception=False).get(f"{shelf.index.url}?{query}")
    assert response.status_code == 200
    assert '<p role="status">' in response.content.decode()
