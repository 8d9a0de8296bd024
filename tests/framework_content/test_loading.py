"""`load_framework` builds the knowledge base from the reference file, idempotently, and the
pages that show it (crosswalk, elements, indicators) render it with a bounded query count."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.html import escape
from wagtail.models import Revision

from framework_content.choices import FactStatus, MappingRole
from framework_content.loading import load_framework
from framework_content.models import (
    DomainElementLink,
    FrameworkElementPage,
    Indicator,
    IndicatorDomain,
    IndicatorFramework,
    IndicatorIndexPage,
    KeyDocument,
    LessonPage,
    ModulePage,
    ResponseLevel,
)

pytestmark = pytest.mark.django_db


def counts() -> dict[str, int]:
    return {
        "elements": FrameworkElementPage.objects.count(),
        "frameworks": IndicatorFramework.objects.count(),
        "domains": IndicatorDomain.objects.count(),
        "indicators": Indicator.objects.count(),
        "levels": ResponseLevel.objects.count(),
        "links": DomainElementLink.objects.count(),
        "documents": KeyDocument.objects.count(),
        "revisions": Revision.objects.count(),
    }


def test_second_run_changes_nothing(framework):
    before = counts()
    report = load_framework()
    assert counts() == before
    assert not report.changed, (report.created, report.updated)
    assert before["elements"] == 6
    assert before["documents"] == 8


def test_migof_elements(framework):
    codes = dict(FrameworkElementPage.objects.values_list("code", "kind"))
    assert codes == {
        "P1": "principle",
        "P2": "principle",
        "P3": "principle",
        "O1": "objective",
        "O2": "objective",
        "O3": "objective",
    }
    assert all(p.live for p in FrameworkElementPage.objects.all())


def test_eiu_2016_framework(framework):
    eiu = IndicatorFramework.objects.get(slug="mgi-2016")
    assert eiu.domains.count() == 5
    indicators = Indicator.objects.filter(domain__framework=eiu)
    codes = list(indicators.values_list("code", flat=True))
    assert len(codes) == 23
    assert len(set(codes)) == 23
    assert all(re.fullmatch(r"[1-5]\.[1-9]", c) for c in codes), codes
    assert {"1.1", "5.5"} <= set(codes)
    for indicator in indicators.select_related("domain"):
        assert indicator.code.split(".")[0] == indicator.domain.code
    assert set(indicators.values_list("status", flat=True)) == {FactStatus.UNCONFIRMED}


def test_sdg_1072_framework(framework):
    sdg = IndicatorFramework.objects.get(slug="sdg-10-7-2")
    assert sdg.domains.count() == 6
    assert sdg.response_levels.count() == 4
    assert list(sdg.response_levels.values_list("value", flat=True)) == [1, 2, 3, 4]
    first = sdg.domains.get(sort_order=1)
    link = first.element_links.get()
    assert link.element.code == "P1"
    assert link.role == MappingRole.PRIMARY


def test_iom_mgi_and_gcm(framework):
    assert IndicatorFramework.objects.get(slug="mgi").domains.count() == 6
    gcm = IndicatorFramework.objects.get(slug="gcm")
    objectives = gcm.domains.all()
    assert objectives.count() == 23
    assert sorted(int(d.code) for d in objectives) == list(range(1, 24))
    unmapped = [d.code for d in objectives if not d.element_links.exists()]
    assert unmapped == []
    assert {d.mapping_status for d in objectives} == {FactStatus.EDITORIAL}


def test_key_documents(framework):
    symbols = set(KeyDocument.objects.values_list("symbol", flat=True))
    assert len(symbols) == 8
    assert {"C/106/RES/1310", "A/RES/70/1", "A/RES/71/1", "A/70/59", "A/RES/73/195"} <= symbols


def test_second_run_adds_no_page_revisions(framework):
    revisions = Revision.objects.count()
    load_framework()
    load_framework()
    assert Revision.objects.count() == revisions


def test_loader_repairs_a_changed_fact(framework):
    """Idempotent is not inert: a hand-edited fact goes back to the reference value."""
    indicator = Indicator.objects.get(ref_id="EIU16-1.1")
    original = indicator.title
    indicator.title = "Changed by hand"
    indicator.save()
    report = load_framework()
    indicator.refresh_from_db()
    assert indicator.title == original
    assert report.updated["indicator"] == 1


# --- the pages ------------------------------------------------------------------------------


def indicators_url() -> str:
    return IndicatorIndexPage.objects.get().url


def test_unconfirmed_indicator_is_labelled(framework, client):
    response = client.get(indicators_url() + "mgi-2016/eiu16-1-1/")
    assert response.status_code == 200
    assert "Unconfirmed" in response.content.decode()
    confirmed = (
        Indicator.objects.filter(status=FactStatus.CONFIRMED)
        .select_related("domain__framework")
        .first()
    )
    response = client.get(f"{indicators_url()}{confirmed.domain.framework.slug}/{confirmed.slug}/")
    assert response.status_code == 200
    assert "Unconfirmed" not in response.content.decode()


def test_crosswalk_table(framework, client):
    response = client.get(indicators_url() + "crosswalk/")
    assert response.status_code == 200
    html = response.content.decode()
    section = html.split('id="cw-sdg-10-7-2"', 1)[1].split("</table>", 1)[0]
    assert "<table>" in section
    header = section.split("</thead>", 1)[0]
    cols = re.findall(r'<th scope="col">(.*?)</th>', header, re.S)
    assert len(cols) == 7  # the domain label, then the six elements
    for code in ["P1", "P2", "P3", "O1", "O2", "O3"]:
        assert f">{code}</abbr>" in header
    rows = re.findall(r"<tr>(.*?)</tr>", section.split("<tbody>", 1)[1], re.S)
    assert len(rows) == 6
    first_cells = re.findall(r"<td[^>]*>(.*?)</td>", rows[0], re.S)
    assert len(first_cells) == 6
    assert first_cells[0] == "Primary"  # domain 1 under P1
    assert '<th scope="row">1 ' in rows[0]
    gcm = html.split('id="cw-gcm"', 1)[1].split("</table>", 1)[0]
    assert len(re.findall(r'<th scope="row">', gcm)) == 23


def test_element_page_lists_its_mapped_domains(framework, client):
    for element in FrameworkElementPage.objects.all():
        response = client.get(element.url)
        assert response.status_code == 200
        html = response.content.decode()
        links = DomainElementLink.objects.filter(element=element).select_related("domain")
        assert links.exists(), element.code
        for link in links:
            assert escape(f"{link.domain.code} {link.domain.title}") in html, (
                element.code,
                link.domain,
            )


def test_every_indicator_page_renders(framework, client):
    base = indicators_url()
    for indicator in Indicator.objects.select_related("domain__framework"):
        url = f"{base}{indicator.domain.framework.slug}/{indicator.slug}/"
        response = client.get(url)
        assert response.status_code == 200, url
        assert escape(indicator.title) in response.content.decode()


def test_indicator_page_lists_tagged_modules_and_lessons(framework, client):
    indicator = Indicator.objects.get(ref_id="EIU16-1.1")
    url = f"{indicators_url()}mgi-2016/{indicator.slug}/"
    assert "Nothing has been tagged" in client.get(url).content.decode()

    element = FrameworkElementPage.objects.get(code="P1")
    module = ModulePage(title="Institutions for migration", slug="institutions", summary="s")
    element.add_child(instance=module)
    module.indicators.add(indicator)
    module.save_revision().publish()
    lesson = LessonPage(title="Who decides", slug="who-decides", body=[("heading", "Who")])
    module.add_child(instance=lesson)
    lesson.indicators.add(indicator)
    lesson.save_revision().publish()
    draft = LessonPage(
        title="Unpublished lesson", slug="draft", body=[("heading", "x")], live=False
    )
    module.add_child(instance=draft)
    draft.indicators.add(indicator)
    draft.save_revision()

    html = client.get(url).content.decode()
    assert f'href="{module.url}"' in html
    assert f'href="{lesson.url}"' in html
    assert "Unpublished lesson" not in html
    assert "Nothing has been tagged" not in html


# --- query counts ---------------------------------------------------------------------------

# Measured: 14 (crosswalk) and 18 (element page), with a little headroom for the layout.
MAX_QUERIES = {"crosswalk": 16, "element": 20}


def add_domains(n: int) -> None:
    """A further framework of ``n`` domains, each mapped to P1 and O1, with an indicator."""
    framework = IndicatorFramework.objects.create(
        ref_id="BULK", slug="bulk", title="Bulk framework", short_title="Bulk", sort_order=9
    )
    p1 = FrameworkElementPage.objects.get(code="P1")
    o1 = FrameworkElementPage.objects.get(code="O1")
    for i in range(1, n + 1):
        domain = IndicatorDomain.objects.create(
            ref_id=f"BULK-{i}",
            framework=framework,
            code=str(i),
            title=f"Bulk domain {i}",
            sort_order=i,
        )
        DomainElementLink.objects.create(domain=domain, element=p1)
        DomainElementLink.objects.create(domain=domain, element=o1, role=MappingRole.SECONDARY)
        Indicator.objects.create(
            ref_id=f"BULK-{i}.1",
            slug=f"bulk-{i}-1",
            domain=domain,
            code=f"{i}.1",
            title=f"Bulk indicator {i}",
        )


def count_queries(client, url: str) -> int:
    client.get(url)  # warm caches (site root paths, content types)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("page", ["crosswalk", "element"])
def test_query_count_does_not_grow_with_domains(
    framework, client, page, django_assert_max_num_queries
):
    def url():
        if page == "crosswalk":
            return indicators_url() + "crosswalk/"
        return FrameworkElementPage.objects.get(code="P1").url

    client.get(url())
    with django_assert_max_num_queries(MAX_QUERIES[page]):
        small = client.get(url())
    small_count = count_queries(client, url())

    add_domains(30)
    with django_assert_max_num_queries(MAX_QUERIES[page]):
        large = client.get(url())
    large_count = count_queries(client, url())

    assert "Bulk domain 30" in large.content.decode()
    assert "Bulk domain 30" not in small.content.decode()
    assert large_count == small_count
