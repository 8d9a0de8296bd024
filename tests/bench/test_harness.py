"""The benchmark's data builder and its manifest stay in step with the site: a tiny build's
every page answers its probe request (what `manage.py bench_queries` sends) without an
error. The load itself (gunicorn, wrk) is `make bench`, not a test."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from bench.data import build, rebuilt_from_database, sizes_of
from bench.management.commands.bench_publish import Command as Publish
from bench.management.commands.bench_queries import send
from bench.manifest import build_manifest
from framework_content.models import LessonPage
from training_site import content_cache

pytestmark = pytest.mark.django_db


def test_a_tiny_build_answers_every_page():
    built = build(0.01)
    sizes = sizes_of(built)
    assert sizes["progress_rows"] > 0 and sizes["attempts_rows"] > 0
    manifest = build_manifest(built, sizes)
    names = [page["name"] for page in manifest["pages"]]
    assert names == [
        "home",
        "element",
        "indicator",
        "case_study",
        "dashboard",
        "course",
        "lesson",
        "quiz",
        "quiz_submit",
        "cohort_matrix",
        "programme_report",
        "search",
        "suggest",
    ]
    for page in manifest["pages"]:
        assert page["requests"], page["name"]
        response = send(page["probe"])
        expected = 302 if page["name"] == "quiz_submit" else 200  # a submission redirects
        assert response.status_code == expected, (page["name"], response.status_code)
        if expected == 302:
            assert "/attempts/" in response["Location"]  # to the review, not to log in


def test_a_manifest_can_be_rewritten_from_the_database():
    first = build(0.01)
    again = rebuilt_from_database()
    assert [c.pk for c in again.courses] == [c.pk for c in first.courses]
    assert {a.pk for a in again.submit_attempts} == {a.pk for a in first.submit_attempts}
    manifest = build_manifest(again, sizes_of(again))
    lesson = next(p for p in manifest["pages"] if p["name"] == "lesson")
    assert send(lesson["probe"]).status_code == 200


def test_a_publish_renews_the_content_token_with_a_new_revision():
    """`bench_publish` is what the harness's first views after a publish rest on."""
    with pytest.raises(CommandError, match="build the data first"):
        call_command(Publish(), stdout=StringIO())
    build(0.01)
    lesson = LessonPage.objects.filter(slug__startswith="lesson-").order_by("pk").first()
    revisions = lesson.revisions.count()
    before = content_cache.content_version()
    call_command(Publish(), stdout=StringIO())
    assert content_cache.content_version() != before
    assert lesson.revisions.count() == revisions + 1
    lesson.refresh_from_db()
    assert lesson.live and lesson.latest_revision_id == lesson.live_revision_id
