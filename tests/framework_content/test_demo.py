"""The demo content: one module per MIGOF element, loaded idempotently, every lesson readable."""

from __future__ import annotations

import pytest
from django.utils.html import escape
from wagtail.models import Page, Revision

from framework_content.demo import load_demo_content, read_demo
from framework_content.models import FrameworkElementPage, KeyDocument, LessonPage, ModulePage

ELEMENT_CODES = {"P1", "P2", "P3", "O1", "O2", "O3"}


@pytest.fixture
def demo(framework):
    """The framework plus the demo modules and lessons; returns the first run's report."""
    return load_demo_content()


def _counts() -> tuple[int, int, int, int]:
    return (
        Page.objects.count(),
        ModulePage.objects.count(),
        LessonPage.objects.count(),
        Revision.objects.count(),
    )


@pytest.mark.django_db
def test_first_run_reports_the_modules_and_lessons_it_created(demo):
    data = read_demo()
    assert demo.created["module"] == len(data["modules"]) == 6
    assert demo.created["lesson"] == sum(len(m["lessons"]) for m in data["modules"])
    assert not demo.updated


@pytest.mark.django_db
def test_second_run_changes_nothing(demo):
    before = _counts()
    report = load_demo_content()
    assert not report.changed
    assert _counts() == before


@pytest.mark.django_db
def test_a_changed_tag_is_published_in_one_new_revision(demo):
    data = read_demo()
    lesson_data = data["modules"][0]["lessons"][0]
    lesson_data["indicators"] = [*lesson_data["indicators"], "SDG-10.7.2"]
    revisions = Revision.objects.count()
    report = load_demo_content(data)
    assert report.updated == {"lesson": 1}
    assert Revision.objects.count() == revisions + 1
    lesson = LessonPage.objects.get(slug=lesson_data["slug"])
    assert "SDG-10.7.2" in set(lesson.indicators.values_list("ref_id", flat=True))
    assert not load_demo_content(data).changed


@pytest.mark.django_db
def test_every_element_has_one_live_module_with_two_or_three_live_lessons(demo):
    elements = FrameworkElementPage.objects.all()
    assert {e.code for e in elements} == ELEMENT_CODES
    for element in elements:
        modules = ModulePage.objects.child_of(element).live()
        assert modules.count() == 1, element.code
        lessons = LessonPage.objects.child_of(modules.get()).live()
        assert 2 <= lessons.count() <= 3, element.code


@pytest.mark.django_db
def test_every_module_has_learning_outcomes_and_indicators(demo):
    for module in ModulePage.objects.all():
        assert 3 <= len(module.learning_outcomes) <= 4, module.title
        assert module.indicators.exists(), module.title


@pytest.mark.django_db
def test_every_lesson_is_tagged_and_has_the_core_blocks(demo):
    for lesson in LessonPage.objects.all():
        assert lesson.indicators.exists(), lesson.title
        kinds = {block.block_type for block in lesson.body}
        assert {"heading", "paragraph", "key_point", "reflection"} <= kinds, lesson.title


@pytest.mark.django_db
def test_lessons_use_every_text_block_type(demo):
    used = {block.block_type for lesson in LessonPage.objects.all() for block in lesson.body}
    assert used == {
        "heading",
        "paragraph",
        "key_point",
        "quote",
        "reflection",
        "indicator_reference",
    }


@pytest.mark.django_db
def test_every_lesson_page_renders_with_its_title(demo, client):
    for lesson in LessonPage.objects.live():
        response = client.get(lesson.url)
        assert response.status_code == 200, lesson.url
        assert escape(lesson.title) in response.content.decode(), lesson.url


@pytest.mark.django_db
def test_every_module_page_renders(demo, client):
    for module in ModulePage.objects.live():
        response = client.get(module.url)
        assert response.status_code == 200, module.url
        assert escape(module.title) in response.content.decode(), module.url


@pytest.mark.django_db
def test_a_quoted_document_is_cited_on_the_lesson_page(demo, client):
    nyd = KeyDocument.objects.get(ref_id="DOC-NYD")
    lesson = next(
        lesson
        for lesson in LessonPage.objects.all()
        if any(b.block_type == "quote" and b.value["document"] == nyd for b in lesson.body)
    )
    html = client.get(lesson.url).content.decode()
    assert "Towards a global compact for safe, orderly and regular migration" in html
    assert escape(nyd.citation) in html


@pytest.mark.django_db
def test_every_quote_cites_a_document_on_its_page(demo, client):
    for lesson in LessonPage.objects.all():
        quotes = [b.value for b in lesson.body if b.block_type == "quote"]
        if not quotes:
            continue
        html = client.get(lesson.url).content.decode()
        for quote in quotes:
            assert escape(quote["document"].citation) in html, (lesson.title, quote["document"])


@pytest.mark.django_db
def test_unknown_indicator_is_refused(framework):
    from framework_content.demo import DemoDataError

    data = read_demo()
    data["modules"][0]["indicators"] = ["NO-SUCH-INDICATOR"]
    with pytest.raises(DemoDataError):
        load_demo_content(data)
    assert not ModulePage.objects.exists()


def test_every_quote_is_verbatim_in_the_reference_file():
    from framework_content.loading import DATA_FILE

    reference = DATA_FILE.read_text(encoding="utf-8")
    quotes = [
        block["quote"]["quote"]
        for module in read_demo()["modules"]
        for lesson in module["lessons"]
        for block in lesson["body"]
        if "quote" in block
    ]
    assert quotes
    assert [q for q in quotes if q.strip() not in reference] == []
