"""What editors put on the site cannot run code in a visitor's browser.

- Images and documents are refused, with a form error, when of a type not allowed (SVG,
  which can hold scripts, as image and as document) or over the size limit; through
  Wagtail's own admin upload views, as an editor with two-factor authentication.
- Documents are downloaded only through Wagtail's serve view (attachment, nosniff, a
  policy that runs nothing), never from the media folder, even on the development server.
- Rich text never renders a script or an event handler, whether saved through the admin or
  by code, and no StreamField offers a raw-HTML block.
"""

from __future__ import annotations

import importlib
import io
import json

import pytest
from django.apps import apps
from django.conf import settings as django_settings
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import clear_url_caches, reverse
from PIL import Image as PILImage
from wagtail import blocks
from wagtail.documents import get_document_model
from wagtail.embeds.blocks import EmbedBlock
from wagtail.embeds.oembed_providers import vimeo, youtube
from wagtail.fields import RichTextField, StreamField
from wagtail.images import get_image_model
from wagtail.models import Collection

from accounts.choices import Role
from accounts.models import User
from framework_content.models import FrameworkElementPage, LessonPage, ModulePage
from tests.mfa import activate_totp

pytestmark = pytest.mark.django_db

Image = get_image_model()
Document = get_document_model()

SVG_WITH_SCRIPT = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b'<script>alert("svg")</script><rect width="10" height="10"/></svg>'
)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def editor(client, framework):
    user = User.objects.create_user(email="editor@example.org", password="pw-0123456789")  # noqa: S106
    user.groups.add(Group.objects.get(name=Role.EDITORS.value))
    activate_totp(user)
    client.force_login(user)
    return client


def png(padding: int = 0) -> bytes:
    out = io.BytesIO()
    PILImage.new("RGB", (4, 4), (200, 30, 30)).save(out, "PNG")
    return out.getvalue() + b"\0" * padding


def upload(name: str, content: bytes, content_type: str = "application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def add_image(client, name: str, content: bytes):
    return client.post(
        reverse("wagtailimages:add"),
        {
            "title": name,
            "file": upload(name, content),
            "collection": Collection.get_first_root_node().pk,
        },
    )


def add_document(client, name: str, content: bytes):
    return client.post(
        reverse("wagtaildocs:add"),
        {
            "title": name,
            "file": upload(name, content),
            "collection": Collection.get_first_root_node().pk,
        },
    )


def file_error(response) -> str:
    assert response.status_code == 200, response.status_code  # the form again, not a redirect
    return " ".join(response.context["form"].errors.get("file", []))


# --- images ---------------------------------------------------------------------------------


def test_an_editor_uploads_a_png(editor):
    response = add_image(editor, "map.png", png())
    assert response.status_code == 302
    assert Image.objects.filter(title="map.png").exists()


def test_an_svg_image_is_refused(editor):
    error = file_error(add_image(editor, "chart.svg", SVG_WITH_SCRIPT))
    assert "Not a supported image format" in error
    assert not Image.objects.exists()


def test_an_svg_named_png_is_refused(editor):
    error = file_error(add_image(editor, "chart.png", SVG_WITH_SCRIPT))
    assert error  # not a PNG: the format is read from the file, not its name
    assert not Image.objects.exists()


def test_an_svg_through_the_multiple_upload_is_refused(editor):
    response = editor.post(
        reverse("wagtailimages:add_multiple"),
        {"files[]": upload("chart.svg", SVG_WITH_SCRIPT, "image/svg+xml")},
    )
    assert response.status_code == 200
    answer = json.loads(response.content)
    assert answer["success"] is False
    assert "Not a supported image format" in answer["error_message"]
    assert not Image.objects.exists()


def test_an_image_over_the_size_limit_is_refused(editor):
    limit = django_settings.WAGTAILIMAGES_MAX_UPLOAD_SIZE
    assert limit == 10 * 1024 * 1024
    oversize = png(padding=limit)
    error = file_error(add_image(editor, "huge.png", oversize))
    assert "too big" in error
    assert not Image.objects.exists()


# --- documents ------------------------------------------------------------------------------


def test_an_editor_uploads_a_pdf(editor):
    response = add_document(editor, "report.pdf", b"%PDF-1.4\n%%EOF\n")
    assert response.status_code == 302
    assert Document.objects.filter(title="report.pdf").exists()


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("chart.svg", SVG_WITH_SCRIPT),
        ("page.html", b"<script>alert('html')</script>"),
        ("page.htm", b"<script>alert('htm')</script>"),
        ("setup.exe", b"MZ\x90\x00"),
    ],
)
def test_a_document_of_a_risky_type_is_refused(editor, name, content):
    error = file_error(add_document(editor, name, content))
    assert "File extension" in error and "is not allowed" in error
    assert not Document.objects.exists()


def test_a_document_over_the_size_limit_is_refused(editor):
    limit = django_settings.WAGTAILDOCS_MAX_UPLOAD_SIZE
    assert limit == 20 * 1024 * 1024
    error = file_error(add_document(editor, "huge.pdf", b"%PDF-1.4\n" + b"0" * limit))
    assert "too big" in error
    assert not Document.objects.exists()


def document(name: str, content: bytes):
    doc = Document(title=name, collection=Collection.get_first_root_node())
    doc.file.save(name, ContentFile(content), save=False)
    doc.save()
    return doc


@pytest.mark.parametrize("name", ["data.csv", "slides.pptx", "notes.docx"])
def test_documents_are_served_as_attachments_that_run_nothing(client, db, name):
    doc = document(name, b"<html><script>alert(1)</script></html>")
    response = client.get(doc.url)
    assert doc.url.startswith("/documents/")  # Wagtail's serve view, not the media folder
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'"


def test_a_text_document_is_shown_as_text_never_as_a_page(client, db):
    doc = document("notes.txt", b"<html><script>alert(1)</script></html>")
    response = client.get(doc.url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'"


@pytest.fixture(params=["DEBUG", "SERVE_MEDIA"])
def development_urls(request, settings):
    """The URLs where Django serves uploaded images: the development server (DEBUG on), or
    production with SERVE_MEDIA (the docker compose stack, no media server in front)."""
    from training_site import urls

    setattr(settings, request.param, True)
    importlib.reload(urls)
    clear_url_caches()
    yield
    setattr(settings, request.param, False)
    importlib.reload(urls)
    clear_url_caches()


def test_documents_are_never_served_from_the_media_folder(client, db, development_urls):
    doc = document("report.pdf", b"%PDF-1.4\n%%EOF\n")
    image = Image(title="map", file=ContentFile(png(), name="map.png"))
    image.save()
    media_path = django_settings.MEDIA_URL + doc.file.name
    assert doc.file.name.startswith("documents/")
    assert client.get(django_settings.MEDIA_URL + image.file.name).status_code == 200
    assert client.get(media_path).status_code == 404
    sneaky = django_settings.MEDIA_URL + "original_images/../" + doc.file.name
    assert client.get(sneaky).status_code == 404
    assert client.get(doc.url).status_code == 200  # the serve view still has it


def test_production_serves_no_media_folder(client, db):
    doc = document("report.pdf", b"%PDF-1.4\n%%EOF\n")
    assert client.get(django_settings.MEDIA_URL + doc.file.name).status_code == 404


# --- rich text and StreamFields -------------------------------------------------------------

HOSTILE = (
    "<p>Safe words.</p><script>alert('script')</script>"
    '<p><img src="x" onerror="alert(\'onerror\')">'
    "<a href=\"javascript:alert('link')\" onclick=\"alert('click')\">a link</a></p>"
    '<style>body{display:none}</style><iframe src="https://evil.example"></iframe>'
)


def assert_nothing_runs(html: str) -> None:
    lowered = html.lower()
    for marker in (
        "<script>alert",
        "onerror",
        "onclick",
        "javascript:",
        '<iframe src="https://evil',
    ):
        assert marker not in lowered, marker
    assert "body{display:none}" not in lowered


@pytest.fixture
def module(framework) -> ModulePage:
    element = FrameworkElementPage.objects.get(code="P1")
    module = ModulePage(title="Rich module", slug="rich-module", summary="About rich text.")
    element.add_child(instance=module)
    return module


def test_rich_text_saved_by_code_never_renders_a_script(client, framework, module):
    framework.intro = HOSTILE
    framework.save_revision().publish()
    lesson = LessonPage(
        title="Rich lesson",
        slug="rich-lesson",
        body=[
            ("paragraph", HOSTILE),
            ("key_point", {"title": "Point", "text": HOSTILE}),
            (
                "video",
                {"video": "https://www.youtube.com/watch?v=x", "title": "T", "transcript": HOSTILE},
            ),
        ],
    )
    module.add_child(instance=lesson)

    home = client.get("/")
    assert home.status_code == 200
    assert "Safe words." in home.text
    assert_nothing_runs(home.text)
    stored = LessonPage.objects.get(pk=lesson.pk)
    for block in stored.body:
        assert_nothing_runs(str(block.render()))


def test_rich_text_posted_through_the_admin_never_renders_a_script(editor, module, client):
    from wagtail.test.utils.form_data import nested_form_data, streamfield

    contentstate = {
        "blocks": [
            {
                "key": "a1b2c",
                "type": "unstyled",
                "depth": 0,
                "text": "<script>alert('typed')</script> click here",
                "inlineStyleRanges": [],
                "entityRanges": [{"offset": 33, "length": 10, "key": 0}],
                "data": {},
            }
        ],
        "entityMap": {
            "0": {"type": "LINK", "mutability": "MUTABLE", "data": {"url": "javascript:alert(1)"}}
        },
    }
    lesson = LessonPage(title="Admin lesson", slug="admin-lesson", body=[("paragraph", "<p>x</p>")])
    module.add_child(instance=lesson)
    data = nested_form_data(
        {
            "title": "Admin lesson",
            "slug": "admin-lesson",
            "summary": "",
            "estimated_minutes": 10,
            "body": streamfield([("paragraph", json.dumps(contentstate))]),
            "comments": {
                "TOTAL_FORMS": 0,
                "INITIAL_FORMS": 0,
                "MIN_NUM_FORMS": 0,
                "MAX_NUM_FORMS": 1000,
            },
            "action-publish": "action-publish",
        }
    )
    response = editor.post(reverse("wagtailadmin_pages:edit", args=[lesson.pk]), data)
    assert response.status_code == 302, response.context["form"].errors if response.context else ""
    lesson.refresh_from_db()
    html = str(lesson.body[0].render())
    assert "&lt;script&gt;" in html  # the typed text is shown as text
    assert_nothing_runs(html)
    page = editor.get(lesson.url)
    assert page.status_code == 200
    assert_nothing_runs(page.text.split("<main", 1)[1])


def _blocks_of(block) -> list:
    found = [block]
    if isinstance(block, blocks.ListBlock):
        found += _blocks_of(block.child_block)
    elif hasattr(block, "child_blocks"):  # StreamBlock, StructBlock
        for child in block.child_blocks.values():
            found += _blocks_of(child)
    return found


def _stream_fields() -> list[tuple[str, StreamField]]:
    return [
        (f"{model._meta.label}.{field.name}", field)
        for model in apps.get_models()
        for field in model._meta.get_fields()
        if isinstance(field, StreamField)
    ]


def test_no_streamfield_offers_raw_html():
    fields = _stream_fields()
    assert fields  # lessons, modules, courses… have StreamFields
    for label, field in fields:
        for block in _blocks_of(field.stream_block):
            assert not isinstance(block, blocks.RawHTMLBlock), label


def test_embeds_come_only_from_video_providers_the_policy_frames():
    """The one EmbedBlock (a lesson's video) takes a URL, never HTML: Wagtail asks the
    provider's oEmbed endpoint, and only YouTube's and Vimeo's are asked. Their answer is an
    iframe from a host the Content-Security-Policy's frame-src names; any script in an
    answer would be blocked by script-src."""
    embeds = [
        label
        for label, field in _stream_fields()
        for block in _blocks_of(field.stream_block)
        if isinstance(block, EmbedBlock)
    ]
    assert embeds  # the video block
    [finder] = django_settings.WAGTAILEMBEDS_FINDERS
    assert finder["class"] == "wagtail.embeds.finders.oembed"
    assert finder["providers"] == [youtube, vimeo]
    frames = django_settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]["frame-src"]
    assert {"https://www.youtube.com", "https://player.vimeo.com"} <= set(frames)


def test_rich_text_offers_no_embed_and_no_raw_html():
    """Every rich text names its features (Wagtail's default set includes embeds)."""
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if isinstance(field, RichTextField):
                assert field.features is not None, f"{model._meta.label}.{field.name}"
                assert "embed" not in field.features
    for label, field in _stream_fields():
        for block in _blocks_of(field.stream_block):
            if isinstance(block, blocks.RichTextBlock):
                assert block.features is not None, label
                assert "embed" not in block.features, label


@pytest.mark.parametrize(
    ("stored", "kept"),
    [
        # What the editor writes is left exactly as it is.
        ('<p data-block-key="a1">Don\'t <b>stop</b> &amp; <i>go</i></p>', None),
        ('<ul><li data-block-key="b2"><a linktype="page" id="3">A page</a></li></ul>', None),
        ('<p><a href="https://www.iom.int/migof">MIGOF</a></p>', None),
        # What could run or restyle the page is removed.
        ("<p>Hi</p><script>alert(1)</script>", "<p>Hi</p>"),
        ('<p onclick="alert(1)" style="color:red">Hi</p>', "<p>Hi</p>"),
        ('<p><a href="javascript:alert(1)">x</a></p>', "<p><a>x</a></p>"),
        ('<p><img src="x" onerror="alert(1)">Hi</p>', "<p>Hi</p>"),
        ('<style>p{}</style><iframe src="https://evil.example"></iframe><p>Hi</p>', "<p>Hi</p>"),
        ("<p>Hi<!-- note --></p>", "<p>Hi</p>"),
    ],
)
def test_rich_text_cleaning(stored, kept):
    from training_site.rich_text import clean_html

    cleaned = clean_html(stored)
    assert cleaned == (stored if kept is None else kept)
    assert clean_html(cleaned) == cleaned  # saving again changes nothing
