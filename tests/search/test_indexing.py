"""The indexing pipeline: what publishing, unpublishing, deleting and restricting content does
to the guidance index, the text it extracts, and how it survives a broken engine or broker.

Signals enqueue tasks after commit; `django_capture_on_commit_callbacks(execute=True)` runs
them (in-process, as without a broker). The engine is replaced by a recorder: these tests
are about the rows the pipeline writes and what it hands the engine.
"""

from __future__ import annotations

import io
import itertools
import json
import logging

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from reportlab.pdfgen import canvas
from wagtail.documents import get_document_model
from wagtail.models import PageViewRestriction

from case_studies.choices import Region
from case_studies.models import CaseStudyIndexPage, CaseStudyPage
from framework_content.models import (
    FrameworkElementPage,
    Indicator,
    IndicatorIndexPage,
    KeyDocument,
    LessonPage,
    ModulePage,
)
from search import indexing
from search.indexing import index_object, rebuild_all, remove_object
from search.models import EntryKind, GuidanceEntry
from search.tasks import index_object_task
from search.text import html_to_text, pdf_text, stream_to_text
from tests.quizzes.builders import make_question, make_quiz

_serial = itertools.count(1)


# --- Fakes and builders ----------------------------------------------------------------------


class RecordingEngine:
    name = "recording"

    def __init__(self):
        self.indexed: list[str] = []
        self.deleted: list[str] = []
        self.rebuilt: list[list[str]] = []

    def index_entries(self, entries):
        self.indexed += [e.key for e in entries]

    def delete_keys(self, keys):
        self.deleted += list(keys)

    def rebuild(self, entries):
        self.rebuilt.append([e.key for e in entries])


class FailingEngine:
    name = "failing"

    def _fail(self, *args, **kwargs):
        raise ConnectionError("search engine is down")

    index_entries = delete_keys = rebuild = search = suggest = _fail


@pytest.fixture
def engine(monkeypatch):
    recorder = RecordingEngine()
    monkeypatch.setattr(indexing, "get_engine", lambda: recorder)
    return recorder


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """`with commit(): ...` runs what is enqueued after commit, as a real commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def key(page_or_obj) -> str:
    obj = getattr(page_or_obj, "specific", page_or_obj)
    return f"{type(obj)._meta.label_lower}:{obj.pk}"


def entry(obj) -> GuidanceEntry:
    return GuidanceEntry.objects.get(key=key(obj))


def has_entry(obj) -> bool:
    return GuidanceEntry.objects.filter(key=key(obj)).exists()


def indicators(*ref_ids: str) -> list[Indicator]:
    return list(Indicator.objects.filter(ref_id__in=ref_ids).order_by("pk"))


def element(code: str = "P1") -> FrameworkElementPage:
    return FrameworkElementPage.objects.get(code=code)


def make_module(parent: FrameworkElementPage, title: str = "Institutions", tags=()) -> ModulePage:
    module = ModulePage(
        title=title,
        slug=f"module-{next(_serial)}",
        summary="Who governs migration, and how.",
        learning_outcomes=json.dumps([{"type": "outcome", "value": "Name the lead ministry."}]),
        indicators=list(tags),
    )
    parent.add_child(instance=module)
    module.save_revision().publish()
    return module


LESSON_BODY = [
    {"type": "heading", "value": "Who decides"},
    {"type": "paragraph", "value": "<p>A <b>lead</b> ministry&nbsp;coordinates.</p><p>Others</p>"},
    {"type": "key_point", "value": {"title": "Remember", "text": "<p>One <i>voice</i></p>"}},
    {
        "type": "video",
        "value": {
            "video": "https://video.example.org/watch?v=abc",
            "title": "Coordination explained",
            "transcript": "<ul><li>first</li><li>second</li></ul>",
        },
    },
    {"type": "reflection", "value": {"prompt": "Which ministry leads in your country?"}},
]


def make_lesson(module: ModulePage, title: str = "Who decides", tags=(), publish=True, body=None):
    lesson = LessonPage(
        title=title,
        slug=f"lesson-{next(_serial)}",
        summary="The institutions behind migration policy.",
        body=json.dumps(body if body is not None else LESSON_BODY),
        indicators=list(tags),
        live=False,
    )
    module.add_child(instance=lesson)
    revision = lesson.save_revision()
    if publish:
        revision.publish()
    lesson.refresh_from_db()
    return lesson


def make_pdf(*pages: str, encrypt=None) -> bytes:
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, encrypt=encrypt)
    for text in pages:
        pdf.drawString(72, 720, text)
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def make_document(content: bytes, name: str = "compact.pdf"):
    return get_document_model().objects.create(
        title="Uploaded file", file=ContentFile(content, name=name)
    )


def make_key_document(**fields) -> KeyDocument:
    n = next(_serial)
    return KeyDocument.objects.create(
        ref_id=f"TEST-DOC-{n}",
        slug=f"test-doc-{n}",
        title=fields.pop("title", "Global Compact for Migration"),
        description=fields.pop("description", "The first intergovernmental agreement."),
        **fields,
    )


# --- Plain text ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("html", "text"),
    [
        ("", ""),
        (None, ""),
        ("<p>hello</p><p>world</p>", "hello world"),
        ("<p>un<b>broken</b> word</p>", "unbroken word"),
        ("line<br>break", "line break"),
        ("<ul><li>one</li><li>two</li></ul>", "one two"),
        ("Fish &amp; chips &lt;3 caf&eacute;&nbsp;now", "Fish & chips <3 café now"),
        ("<script>alert(1)</script><style>p{}</style>shown", "shown"),
        ("  lots \n\n of\t space  ", "lots of space"),
        ('<a linktype="page" id="3">a link</a>', "a link"),
        ("<p>unclosed <b>tags", "unclosed tags"),
        ("<table><tr><td>a</td><td>b</td></tr></table>", "a b"),
    ],
)
def test_html_becomes_plain_words(html, text):
    assert html_to_text(html) == text


def test_a_lesson_body_gives_its_prose_without_urls_ids_or_queries(
    framework, django_assert_num_queries
):
    module = make_module(element())
    lesson = make_lesson(module)
    lesson = LessonPage.objects.get(pk=lesson.pk)

    with django_assert_num_queries(0):
        text = stream_to_text(lesson.body)

    assert text == (
        "Who decides A lead ministry coordinates. Others Remember One voice "
        "Coordination explained first second Which ministry leads in your country?"
    )
    assert "video.example.org" not in text


def test_pdf_text_reads_pages_within_its_bounds():
    pdf = make_pdf("Safe orderly regular migration", "Second page", "Third page")

    assert pdf_text(io.BytesIO(pdf)) == "Safe orderly regular migration Second page Third page"
    assert pdf_text(io.BytesIO(pdf), max_pages=2) == "Safe orderly regular migration Second page"
    assert pdf_text(io.BytesIO(pdf), max_chars=10) == "Safe order"


@pytest.mark.parametrize(
    "content",
    [b"", b"%PDF-1.4\nnot really a pdf", b"\x00\xff" * 100, make_pdf("x")[:200]],
    ids=["empty", "garbage", "binary", "truncated"],
)
def test_a_broken_pdf_gives_no_text_and_a_warning(content, caplog):
    with caplog.at_level(logging.WARNING, logger="search.indexing"):
        assert pdf_text(io.BytesIO(content)) == ""
    assert any(r.name == "search.indexing" for r in caplog.records)


def test_a_password_protected_pdf_gives_no_text(caplog):
    with caplog.at_level(logging.WARNING, logger="search.indexing"):
        assert pdf_text(io.BytesIO(make_pdf("Secret words", encrypt="password"))) == ""
    assert "encrypted" in caplog.text


def test_a_pdf_restricted_only_by_an_owner_password_is_read():
    from reportlab.lib.pdfencrypt import StandardEncryption

    restricted = StandardEncryption(userPassword="", ownerPassword="owner", canCopy=0)

    assert pdf_text(io.BytesIO(make_pdf("Readable by anyone", encrypt=restricted))) == (
        "Readable by anyone"
    )


# --- Pages -----------------------------------------------------------------------------------


def test_publishing_a_lesson_creates_its_entry_with_trail_tags_and_facets(
    framework, engine, commit
):
    p1 = element("P1")
    module = make_module(p1, "Institutions")
    tags = indicators("EIU16-1.1", "EIU16-2.1")
    with commit():
        lesson = make_lesson(module, "Who decides", tags=tags)

    row = entry(lesson)
    assert row.kind == EntryKind.LESSON
    assert row.title == "Who decides"
    assert row.url == lesson.url
    assert row.language == "en"
    assert row.trail == [[f"P1 {p1.title}", p1.url], ["Institutions", module.url]]
    assert row.tags == [
        {
            "code": i.code,
            "title": i.title,
            "url": f"/indicators/{i.domain.framework.slug}/{i.slug}/",
        }
        for i in tags
    ]
    assert row.facets == {
        "element": ["P1"],
        "framework": ["mgi-2016"],
        "domain": sorted({str(i.domain_id) for i in tags}, key=int),
        "indicator": [str(i.pk) for i in tags],
    }
    assert row.published_at == lesson.first_published_at
    assert "A lead ministry coordinates. Others" in row.body
    assert "<" not in row.body
    assert key(lesson) in engine.indexed


def test_a_draft_is_not_searchable(framework, engine, commit):
    module = make_module(element())
    with commit():
        lesson = make_lesson(module, publish=False)

    assert not has_entry(lesson)
    index_object("framework_content.lessonpage", lesson.pk)
    assert not has_entry(lesson)


def test_unpublishing_a_lesson_removes_its_entry(framework, engine, commit):
    module = make_module(element())
    with commit():
        lesson = make_lesson(module)
    assert has_entry(lesson)

    with commit():
        lesson.unpublish()

    assert not has_entry(lesson)
    assert key(lesson) in engine.deleted


def test_deleting_a_module_removes_it_and_its_lessons(framework, engine, commit):
    with commit():
        module = make_module(element())
        lessons = [make_lesson(module, f"Lesson {n}") for n in range(2)]
    assert all(has_entry(page) for page in [module, *lessons])

    with commit():
        ModulePage.objects.get(pk=module.pk).delete()

    assert not GuidanceEntry.objects.filter(key__in=[key(p) for p in [module, *lessons]]).exists()


def test_a_view_restriction_takes_a_module_and_its_lessons_out_and_back(framework, engine, commit):
    with commit():
        module = make_module(element())
        lesson = make_lesson(module)

    with commit():
        restriction = PageViewRestriction.objects.create(
            page=module, restriction_type=PageViewRestriction.PASSWORD, password="secret"
        )
    assert not has_entry(module)
    assert not has_entry(lesson)

    with commit():
        restriction.delete()
    assert has_entry(module)
    assert has_entry(lesson)


def test_renaming_a_module_updates_its_lessons_trails(framework, engine, commit):
    with commit():
        module = make_module(element())
        lesson = make_lesson(module)

    with commit():
        module.title = "Institutions and coordination"
        module.save_revision().publish()

    assert entry(lesson).trail[1] == ["Institutions and coordination", module.url]
    assert entry(module).title == "Institutions and coordination"


def test_moving_a_lesson_updates_its_trail_and_url(framework, engine, commit):
    with commit():
        first = make_module(element("P1"), "First")
        second = make_module(element("O1"), "Second")
        lesson = make_lesson(first)

    with commit():
        LessonPage.objects.get(pk=lesson.pk).move(second, pos="last-child")

    lesson.refresh_from_db()
    row = entry(lesson)
    assert row.url == lesson.url
    assert row.trail[-1] == ["Second", second.url]
    assert row.facets["element"] == ["O1"]


def test_renaming_an_indicator_updates_the_tags_of_what_is_tagged_with_it(
    framework, engine, commit
):
    tag = indicators("EIU16-1.1")[0]
    with commit():
        module = make_module(element(), tags=[tag])
        lesson = make_lesson(module, tags=[tag])

    with commit():
        tag.title = "Institutional arrangements"
        tag.save()

    assert entry(tag).title == f"{tag.code} Institutional arrangements"
    assert entry(lesson).tags[0]["title"] == "Institutional arrangements"
    assert entry(module).tags[0]["title"] == "Institutional arrangements"


def test_element_and_module_entries(framework, engine):
    p2 = element("P2")
    module = make_module(p2, "Evidence", tags=indicators("EIU16-1.1"))
    index_object("framework_content.frameworkelementpage", p2.pk)

    element_row = entry(p2)
    assert element_row.kind == EntryKind.ELEMENT
    assert element_row.title == f"P2 {p2.title}"
    assert element_row.facets == {"element": ["P2"]}
    assert p2.summary in element_row.body
    module_row = entry(module)  # the element's descendants come along
    assert module_row.trail == [[f"P2 {p2.title}", p2.url]]
    assert "Name the lead ministry." in module_row.body
    assert module_row.facets["element"] == ["P2"]


def test_a_case_study_entry_has_its_place_elements_and_indicators(framework, engine, commit):
    index = CaseStudyIndexPage(title="Case studies", slug="case-studies")
    framework.add_child(instance=index)
    index.save_revision().publish()
    tags = indicators("EIU16-2.1")
    with commit():
        case = CaseStudyPage(
            title="Opening schools to migrant children",
            slug="schools",
            country="KE",
            region=Region.AFRICA,
            summary="A ministry opens public schools.",
            context="<p>Children were <b>turned away</b>.</p>",
            policy_response="<p>A circular to every school.</p>",
            migof_elements=[element("P1"), element("O1")],
            indicators=tags,
        )
        index.add_child(instance=case)
        case.save_revision().publish()

    case.refresh_from_db()
    row = entry(case)
    assert row.kind == EntryKind.CASE_STUDY
    assert row.trail == [["Case studies", index.url]]
    assert row.facets["element"] == ["P1", "O1"]
    assert row.facets["country"] == ["KE"]
    assert row.facets["region"] == ["africa"]
    assert row.facets["indicator"] == [str(tags[0].pk)]
    assert row.published_at == case.first_published_at
    assert "Kenya" in row.body
    assert "Children were turned away." in row.body


# --- Snippets and documents ------------------------------------------------------------------


def test_an_indicator_is_found_by_its_code_at_its_page(framework, engine):
    tag = indicators("EIU16-1.1")[0]
    index_object("framework_content.indicator", tag.pk)

    row = entry(tag)
    assert row.kind == EntryKind.INDICATOR
    assert row.title == f"{tag.code} {tag.title}"
    assert row.url == f"/indicators/{tag.domain.framework.slug}/{tag.slug}/"
    assert row.facets["indicator"] == [str(tag.pk)]
    assert row.facets["framework"] == [tag.domain.framework.slug]


def test_unpublishing_the_indicators_page_takes_indicators_out(framework, engine, commit):
    tag = indicators("EIU16-1.1")[0]
    index_object("framework_content.indicator", tag.pk)

    with commit():
        IndicatorIndexPage.objects.get().unpublish()

    assert not GuidanceEntry.objects.filter(kind=EntryKind.INDICATOR).exists()


def test_a_key_documents_pdf_text_is_in_its_entry(framework, engine, commit, media):
    pdf = make_document(make_pdf("Objective twenty-three: international cooperation"))
    with commit():
        document = make_key_document(symbol="A/RES/73/195", file=pdf)

    row = entry(document)
    assert row.kind == EntryKind.DOCUMENT
    assert row.title == "A/RES/73/195 — Global Compact for Migration"
    assert row.url == f"/library/{document.slug}/"
    assert "The first intergovernmental agreement." in row.body
    assert "Objective twenty-three: international cooperation" in row.body


def test_replacing_the_uploaded_file_reindexes_the_key_document(framework, engine, commit, media):
    pdf = make_document(make_pdf("Old wording"))
    with commit():
        document = make_key_document(file=pdf)

    with commit():
        pdf.file = ContentFile(make_pdf("New wording"), name="new.pdf")
        pdf._set_document_file_metadata()
        pdf.save()
    assert "New wording" in entry(document).body
    assert "Old wording" not in entry(document).body

    with commit():
        pdf.delete()
    assert "New wording" not in entry(document).body


def test_a_key_document_with_a_broken_pdf_is_still_indexed(framework, engine, commit, media):
    broken = make_document(b"%PDF-1.7 this file was cut short")
    with commit():
        document = make_key_document(file=broken)

    assert entry(document).body == "The first intergovernmental agreement."


def test_a_key_document_whose_file_is_missing_from_storage_is_still_indexed(
    framework, engine, commit, media
):
    uploaded = make_document(make_pdf("Lost words"))
    uploaded.file.storage.delete(uploaded.file.name)
    with commit():
        document = make_key_document(file=uploaded)

    assert entry(document).body == "The first intergovernmental agreement."


def test_quiz_pages_and_questions_never_produce_entries(framework, engine, commit):
    module = make_module(element())
    question = make_question(title="Which ministry leads?")
    with commit():
        quiz = make_quiz(module, questions=[question])
        quiz.save_revision().publish()
    index_object("quizzes.quizpage", quiz.pk)
    index_object("quizzes.question", question.pk)
    rebuild_all()

    assert not GuidanceEntry.objects.filter(key__startswith="quizzes.").exists()
    assert not GuidanceEntry.objects.filter(body__icontains="Stem of").exists()
    assert not GuidanceEntry.objects.filter(title__icontains="Which ministry leads").exists()


# --- Failures --------------------------------------------------------------------------------


def test_a_failing_engine_does_not_break_publishing_and_the_rows_stay_right(
    framework, monkeypatch, commit, caplog
):
    monkeypatch.setattr(indexing, "get_engine", FailingEngine)
    module = make_module(element())
    with caplog.at_level(logging.ERROR, logger="search.indexing"), commit():
        lesson = make_lesson(module, "Who decides")

    assert lesson.live
    assert entry(lesson).title == "Who decides"
    assert "rebuild_guidance_index" in caplog.text

    with commit():
        lesson.unpublish()
    assert not has_entry(lesson)


def test_an_engine_that_cannot_even_be_reached_is_reported_by_a_rebuild(framework, monkeypatch):
    def unreachable():
        raise ConnectionError("no route to host")

    monkeypatch.setattr(indexing, "get_engine", unreachable)
    report = rebuild_all()

    assert report.engine_error == "ConnectionError: no route to host"
    assert report.counts[EntryKind.ELEMENT] == 6  # the rows are written all the same


def test_a_broker_that_is_down_does_not_break_saving(
    framework, engine, monkeypatch, commit, caplog
):
    from kombu.exceptions import OperationalError

    def down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to redis:6379. Connection refused.")

    monkeypatch.setattr(index_object_task, "delay", down)
    module = make_module(element())
    with caplog.at_level(logging.ERROR, logger="search.indexing"), commit():
        lesson = make_lesson(module)
        document = make_key_document()

    assert LessonPage.objects.get(pk=lesson.pk).live
    assert KeyDocument.objects.filter(pk=document.pk).exists()
    assert "Could not run search.tasks.index_object_task" in caplog.text


def test_an_error_in_an_eager_task_does_not_break_publishing(framework, monkeypatch, commit):
    def broken(label, pk):
        raise RuntimeError("bug in indexing")

    monkeypatch.setattr(indexing, "index_object", broken)
    module = make_module(element())
    with commit():
        lesson = make_lesson(module)

    assert LessonPage.objects.get(pk=lesson.pk).live


# --- Rebuild ---------------------------------------------------------------------------------


def test_rebuild_all_is_idempotent_and_removes_stale_rows(framework, engine):
    module = make_module(element())
    lesson = make_lesson(module)
    GuidanceEntry.objects.create(key="quizzes.quizpage:1", kind="lesson", title="x", url="/x/")
    GuidanceEntry.objects.create(
        key="framework_content.lessonpage:999999", kind="lesson", title="gone", url="/gone/"
    )

    first = rebuild_all()
    rows = {
        e.key: (e.title, e.body, e.trail, e.tags, e.facets) for e in GuidanceEntry.objects.all()
    }
    second = rebuild_all()

    assert first.deleted == 2
    assert not GuidanceEntry.objects.filter(key__in=["quizzes.quizpage:1"]).exists()
    assert has_entry(lesson)
    assert (second.created, second.updated, second.deleted) == (0, 0, 0)
    assert second.unchanged == second.total == first.total
    assert second.counts == first.counts
    assert rows == {
        e.key: (e.title, e.body, e.trail, e.tags, e.facets) for e in GuidanceEntry.objects.all()
    }
    assert len(engine.rebuilt) == 2
    assert sorted(engine.rebuilt[1]) == sorted(rows)


def test_rebuild_command_prints_counts_per_kind(framework, engine):
    make_lesson(make_module(element()))
    out = io.StringIO()

    call_command("rebuild_guidance_index", stdout=out)

    output = out.getvalue()
    assert "1 Lesson" in output
    assert "6 MIGOF element" in output
    assert "Search index rebuilt (recording)." in output


def test_index_and_remove_are_idempotent(framework, engine):
    lesson = make_lesson(make_module(element()))
    for _ in range(2):
        index_object("framework_content.lessonpage", lesson.pk)
    assert GuidanceEntry.objects.filter(key=key(lesson)).count() == 1
    for _ in range(2):
        remove_object("framework_content.lessonpage", lesson.pk)
    assert not has_entry(lesson)


# --- Query bounds ----------------------------------------------------------------------------


def _queries_to_reindex(lesson: LessonPage) -> int:
    index_object("framework_content.lessonpage", lesson.pk)  # warm caches; the entry exists
    LessonPage.objects.filter(pk=lesson.pk).update(title=f"{lesson.title} (revised)")
    with CaptureQueriesContext(connection) as queries:
        index_object("framework_content.lessonpage", lesson.pk)
    assert entry(lesson).title.endswith("(revised)")
    return len(queries)


def test_indexing_a_lesson_costs_the_same_queries_whatever_its_tags(framework, engine):
    module = make_module(element())
    all_tags = list(Indicator.objects.order_by("pk")[:12])

    def lesson_with(tags):
        body = [*LESSON_BODY] + [
            {"type": "indicator_reference", "value": {"indicator": t.pk, "note": "Why"}}
            for t in tags
        ]
        return make_lesson(module, tags=tags, body=body)

    small = _queries_to_reindex(lesson_with(all_tags[:1]))
    large = _queries_to_reindex(lesson_with(all_tags))

    assert small == large
    assert large <= 25
