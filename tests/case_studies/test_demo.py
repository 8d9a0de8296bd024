"""The demo case studies: one per MIGOF element at least, loaded idempotently, readable."""

from __future__ import annotations

import pytest
from wagtail.models import Page, Revision

from case_studies.demo import load_demo_case_studies, read_demo
from case_studies.models import CaseStudyIndexPage, CaseStudyPage

ELEMENT_CODES = {"P1", "P2", "P3", "O1", "O2", "O3"}
TEXT_FIELDS = ("summary", "context", "policy_response", "results", "lessons_learned")

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(framework):
    return load_demo_case_studies()


def test_first_run_creates_the_index_and_the_case_studies(demo):
    assert demo.created["case study index"] == 1
    assert demo.created["case study"] == len(read_demo()["case_studies"]) >= 6
    index = CaseStudyIndexPage.objects.get()
    assert index.live and index.show_in_menus
    assert CaseStudyPage.objects.child_of(index).live().count() == demo.created["case study"]


def test_every_element_has_a_case_study(demo):
    codes = [
        code
        for page in CaseStudyPage.objects.all()
        for code in page.migof_elements.values_list("code", flat=True)
    ]
    assert set(codes) == ELEMENT_CODES


def test_second_run_changes_nothing(demo):
    before = (Page.objects.count(), CaseStudyPage.objects.count(), Revision.objects.count())
    again = load_demo_case_studies()
    assert not again.changed
    assert (Page.objects.count(), CaseStudyPage.objects.count(), Revision.objects.count()) == before
    slugs = list(CaseStudyPage.objects.values_list("slug", flat=True))
    assert len(slugs) == len(set(slugs))


def test_an_edited_case_study_is_put_back(demo):
    page = CaseStudyPage.objects.get(slug="illustrative-migrants-caught-in-a-cyclone")
    page.summary = "Edited."
    page.indicators = []
    page.save_revision().publish()
    again = load_demo_case_studies()
    assert again.updated["case study"] == 1
    page = CaseStudyPage.objects.get(pk=page.pk)
    assert page.summary.startswith("A severe cyclone")
    assert set(page.indicators.values_list("slug", flat=True)) == {
        "sdg-10-7-2-d5-value",
        "sdg-10-7-2-d1-value",
    }


def test_every_case_study_is_complete_and_tagged(demo):
    for page in CaseStudyPage.objects.all():
        for name in TEXT_FIELDS:
            assert len(getattr(page, name).strip()) > 100, f"{page.slug}: {name} is too short"
        assert 2 <= page.indicators.count() <= 5, page.slug
        assert page.migof_elements.exists(), page.slug
        sentences = page.summary.count(". ") + 1
        assert 3 <= sentences <= 7, f"{page.slug}: summary has {sentences} sentences"


def test_no_invented_policy_is_attributed_to_a_real_country(demo):
    for page in CaseStudyPage.objects.all():
        if page.illustrative:
            assert not page.country, page.slug
            assert page.title.startswith("Illustrative scenario"), page.slug
        else:
            # The real cases are international processes documented in the reference file.
            assert not page.country and page.region == "multi_regional", page.slug


def test_case_studies_come_after_courses_in_the_menu(framework):
    from courses.demo import load_demo_courses
    from framework_content.demo import load_demo_content

    load_demo_content()
    load_demo_courses()
    load_demo_case_studies()
    sections = [
        p.specific_class.__name__
        for p in Page.objects.child_of(framework).in_menu().order_by("path")
    ]
    assert sections.index("CaseStudyIndexPage") == sections.index("CourseIndexPage") + 1


def test_every_demo_case_study_renders(client, demo):
    index = CaseStudyIndexPage.objects.get()
    listing = client.get(index.url)
    assert listing.status_code == 200
    for page in CaseStudyPage.objects.all():
        response = client.get(page.url)
        assert response.status_code == 200, page.slug
        assert page.title.replace("'", "&#x27;") in response.content.decode()
        assert page.url in listing.content.decode()
