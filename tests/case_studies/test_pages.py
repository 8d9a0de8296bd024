"""A case study page shows every section, its place and time, its tags and its sources; the
framework's indicator and element pages list the case studies tagged with them."""

from __future__ import annotations

import pytest
from django.urls import reverse
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text

from accounts.models import User
from case_studies.choices import Region
from framework_content.models import FrameworkElementPage, IndicatorIndexPage
from tests.mfa import activate_totp

from .conftest import make_case_study

pytestmark = pytest.mark.django_db


@pytest.fixture
def full_case(case_index):
    return make_case_study(
        case_index,
        "Seasonal workers in Mexico",
        country="MX",
        region=Region.AMERICAS,
        year=2019,
        elements=("P3", "O1"),
        indicators=("eiu16-5-3", "sdg-10-7-1"),
        sources=("a-res-73-195",),
        summary="Two neighbours agree how seasonal workers cross.",
        context="<p>Workers cross every harvest.</p>",
        policy_response="<ul><li>A bilateral agreement.</li></ul>",
        results="<p>Fewer complaints about wages.</p>",
        lessons_learned="<p>Meet every season.</p>",
        other_sources='<ul><li><a href="https://example.org/report">Field report</a></li></ul>',
    )


def main(response) -> str:
    assert response.status_code == 200
    html = response.content.decode()
    return html[html.index("<main") : html.index("</main>")]


def test_case_study_page_shows_every_section(client, full_case):
    html = main(client.get(full_case.url))
    assert html.count("<h1>") == 1
    assert "<h1>Seasonal workers in Mexico</h1>" in html
    assert "<dt>Country</dt><dd>Mexico</dd>" in html
    assert "<dt>Region</dt><dd>Americas</dd>" in html
    assert "<dt>Year</dt><dd>2019</dd>" in html
    assert "Two neighbours agree how seasonal workers cross." in html
    for heading, text in [
        ("Context", "Workers cross every harvest."),
        ("Policy response", "A bilateral agreement."),
        ("Results", "Fewer complaints about wages."),
        ("Lessons learned", "Meet every season."),
        ("Sources", "Field report"),
    ]:
        assert f"<h2>{heading}</h2>" in html
        assert html.index(f"<h2>{heading}</h2>") < html.index(text)
    assert "Illustrative scenario" not in html


def test_case_study_page_links_its_elements_indicators_and_documents(client, full_case):
    html = main(client.get(full_case.url))
    p3 = FrameworkElementPage.objects.get(code="P3")
    assert f'<a href="{p3.url}">' in html
    assert "/indicators/mgi-2016/eiu16-5-3/" in html
    assert "/indicators/sdg-10-7/sdg-10-7-1/" in html
    gcm = "Global Compact for Safe, Orderly and Regular Migration"
    assert f'<a href="/library/a-res-73-195/">{gcm}</a>' in html
    assert '<a href="https://example.org/report">Field report</a>' in html
    # Every link it prints leads somewhere.
    for url in (p3.url, "/indicators/mgi-2016/eiu16-5-3/", "/library/a-res-73-195/"):
        assert client.get(url).status_code == 200


def test_an_illustrative_case_is_labelled_and_blank_sections_are_left_out(client, case_index):
    page = make_case_study(case_index, "A scenario", illustrative=True, region=Region.OCEANIA)
    html = main(client.get(page.url))
    assert "Illustrative scenario: not a real country's policy" in html
    assert "<dt>Country</dt>" not in html
    assert "<dt>Year</dt>" not in html
    assert "<h2>Results</h2>" not in html
    assert "<h2>Lessons learned</h2>" not in html
    assert "<h2>Sources</h2>" not in html
    assert "Not tagged with any indicator yet." in html


def test_case_study_is_previewable(client, full_case):
    user = User.objects.create_superuser(email="root@example.org", password="pw-0123456789")
    activate_totp(user)
    client.force_login(user)
    data = nested_form_data(
        {
            "title": "Seasonal workers, edited",
            "slug": full_case.slug,
            "illustrative": "on",
            "country": "MX",
            "region": "americas",
            "year": "2020",
            "summary": "An edited scenario.",
            "context": rich_text("<p>Edited context.</p>"),
            "policy_response": rich_text("<p>Edited response.</p>"),
            "results": rich_text(""),
            "lessons_learned": rich_text(""),
            "other_sources": rich_text(""),
            "comments": inline_formset([]),
        }
    )
    data["migof_elements"] = [str(FrameworkElementPage.objects.get(code="O2").pk)]
    data["indicators"] = []
    data["sources"] = []
    url = reverse("wagtailadmin_pages:preview_on_edit", args=[full_case.pk])
    assert client.post(url, data).json() == {"is_valid": True, "is_available": True}
    html = client.get(url).content.decode()
    assert "Edited response." in html
    assert "Illustrative scenario: not a real country" in html
    assert "O2 Effectively address the mobility dimensions of crises" in html


# --- the framework's pages list the case studies tagged with them ---------------------------


def indicator_page(client, framework_slug: str, slug: str) -> str:
    index = IndicatorIndexPage.objects.get()
    return main(client.get(f"{index.url}{framework_slug}/{slug}/"))


def test_indicator_page_lists_the_case_studies_tagged_with_it(client, case_index):
    tagged = make_case_study(case_index, "Tagged case", indicators=("eiu16-3-4",))
    make_case_study(case_index, "Other case", indicators=("eiu16-3-1",))
    make_case_study(case_index, "Draft case", indicators=("eiu16-3-4",), publish=False)
    make_case_study(case_index, "Scenario case", indicators=("eiu16-3-4",), illustrative=True)
    html = indicator_page(client, "mgi-2016", "eiu16-3-4")
    tagged_part = html[html.index("Tagged with this indicator") :]
    assert "<h3>Case studies</h3>" in tagged_part
    assert f'<a href="{tagged.url}">Tagged case</a>' in tagged_part
    assert 'Scenario case</a> <span class="status">Illustrative scenario</span>' in tagged_part
    assert "Other case" not in html
    assert "Draft case" not in html
    assert "Nothing has been tagged with this indicator yet." not in html


def test_an_indicator_with_nothing_tagged_still_says_so(client, case_index):
    make_case_study(case_index, "Other case", indicators=("eiu16-3-1",))
    html = indicator_page(client, "mgi-2016", "eiu16-3-4")
    assert "Nothing has been tagged with this indicator yet." in html
    assert "Case studies" not in html.split("Tagged with this indicator", 1)[1]


def test_element_page_lists_its_case_studies(client, case_index):
    make_case_study(case_index, "Crisis case", elements=("O2",))
    make_case_study(case_index, "Rights case", elements=("P1",))
    html = main(client.get(FrameworkElementPage.objects.get(code="O2").url))
    assert "<h2>Case studies</h2>" in html
    assert "Crisis case" in html
    assert "Rights case" not in html


# --- navigation --------------------------------------------------------------------------------


def test_navigation_links_to_case_studies(client, case_index, framework):
    response = client.get(framework.url)
    nav = response.content.decode().split('<nav class="site-nav"', 1)[1].split("</nav>", 1)[0]
    assert f'<a href="{case_index.url}">Case studies</a>' in nav
    assert response.context["site_nav"]["case_studies_url"] == case_index.url
    # The other sections keep their keys.
    for key in ("indicators_url", "library_url", "framework_url", "courses_url"):
        assert key in response.context["site_nav"]


def test_case_studies_behind_a_login_are_not_listed_publicly(client, case_index):
    from wagtail.models import PageViewRestriction

    open_case = make_case_study(case_index, "Open case", indicators=("eiu16-2-3",))
    private = make_case_study(case_index, "Private case", indicators=("eiu16-2-3",))
    PageViewRestriction.objects.create(page=private, restriction_type="login")
    html = indicator_page(client, "mgi-2016", "eiu16-2-3")
    assert "Open case" in html
    assert "Private case" not in html
    listing = main(client.get(case_index.url))
    assert open_case.url in listing
    assert "Private case" not in listing
    # A restriction on the index hides everything under it.
    PageViewRestriction.objects.create(page=case_index, restriction_type="login")
    assert "Open case" not in indicator_page(client, "mgi-2016", "eiu16-2-3")
