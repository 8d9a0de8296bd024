"""Double clicks and retries at the same instant: completion, certificates and enrolment stay
single. Real concurrent transactions need PostgreSQL (SQLite serialises every writer), and the
worker test needs a broker too.

Threads each open their own database connection and close it when done. These tests are
transactional: the data they build is committed, so the worker process can read it.
"""

from __future__ import annotations

import itertools
import os
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.db import connection

from accounts.models import User
from courses import services
from courses.models import (
    Certificate,
    CourseIndexPage,
    CourseModule,
    CoursePage,
    Enrolment,
    ItemProgress,
)
from framework_content.models import FrameworkElementPage, LessonPage, ModulePage
from tests.workers import WORKER_TIMEOUT_SECONDS, celery_worker
from training_site.settings import test as worker_settings

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="concurrency tests need PostgreSQL (set DATABASE_URL=postgres://...)",
    ),
    # Committed data (threads and the worker read it). The `framework` fixture rebuilds the
    # site after a previous test's flush (tests/sitebase.py).
    pytest.mark.django_db(transaction=True),
]

THREADS = 8
NOW = datetime(2025, 3, 14, 9, 30, tzinfo=UTC)
_serial = itertools.count(1)


def _slug(prefix: str) -> str:
    return f"race-{prefix}-{next(_serial)}"


def run_at_once(action: Callable[[int], object], threads: int = THREADS) -> list:
    """Run `action(i)` in `threads` threads released together; return results, re-raise errors."""
    barrier = threading.Barrier(threads)
    results: list = [None] * threads
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[i] = action(i)
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    workers = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert not any(worker.is_alive() for worker in workers), "a thread is stuck"
    if errors:
        raise errors[0]
    return results


# --- fixtures ------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def course(framework) -> CoursePage:
    """One module (under P2) with two lessons."""
    index = CourseIndexPage(title="Courses", slug=_slug("courses"))
    framework.add_child(instance=index)
    element = FrameworkElementPage.objects.filter(code="P2").order_by("path").first()
    module = ModulePage(title="Evidence", slug=_slug("module"), summary="About evidence.")
    element.add_child(instance=module)
    for number in (1, 2):
        module.add_child(
            instance=LessonPage(
                title=f"Lesson {number}",
                slug=_slug("lesson"),
                body=[{"type": "paragraph", "value": f"<p>Lesson {number}.</p>"}],
            )
        )
    course = CoursePage(title="Evidence in policy", slug=_slug("course"), summary="S.")
    course.course_modules = [CourseModule(module=module)]
    index.add_child(instance=course)
    return course


@pytest.fixture
def lessons(course) -> list[LessonPage]:
    module = course.course_modules.get().module
    return list(LessonPage.objects.child_of(module).order_by("path"))


@pytest.fixture
def learner() -> User:
    return User.objects.create_user(
        email="amina@example.org",
        password="pw-0123456789",  # noqa: S106
        full_name="Amina Diallo",
    )


@pytest.fixture
def completions(monkeypatch) -> list[int]:
    """The enrolment ids for which `complete_course_if_done` recorded a completion."""
    recorded: list[int] = []
    original = services.complete_course_if_done

    def counting(*, enrolment_id: int, now: datetime) -> bool:
        done = original(enrolment_id=enrolment_id, now=now)
        if done:
            recorded.append(enrolment_id)
        return done

    monkeypatch.setattr(services, "complete_course_if_done", counting)
    return recorded


# --- the races -----------------------------------------------------------------------------------


def test_completing_the_last_lesson_at_once_completes_the_course_once(
    course, lessons, learner, completions
):
    enrolment = services.enrol(user=learner, course=course, now=NOW)
    first, last = lessons
    services.complete_item(user=learner, page=first, now=NOW)
    moments = [NOW + timedelta(seconds=i + 1) for i in range(THREADS)]

    run_at_once(lambda i: services.complete_item(user=learner, page=last, now=moments[i]))

    assert ItemProgress.objects.filter(user=learner, page=last).count() == 1
    assert ItemProgress.objects.get(user=learner, page=last).completed_at in moments
    enrolment.refresh_from_db()
    assert enrolment.completed_at in moments
    assert completions == [enrolment.pk]
    certificate = Certificate.objects.get(enrolment=enrolment)  # exactly one
    assert certificate.file
    assert certificate.completed_on == enrolment.completed_at.date()


def test_completing_different_last_lessons_at_once_completes_the_course_once(
    course, lessons, learner, completions
):
    enrolment = services.enrol(user=learner, course=course, now=NOW)

    run_at_once(lambda i: services.complete_item(user=learner, page=lessons[i % 2], now=NOW))

    assert ItemProgress.objects.filter(user=learner, completed_at__isnull=False).count() == 2
    enrolment.refresh_from_db()
    assert enrolment.completed_at == NOW
    assert completions == [enrolment.pk]
    assert Certificate.objects.filter(enrolment=enrolment).count() == 1


def test_issuing_a_certificate_at_once_gives_one_certificate_and_one_pdf(
    course, learner, monkeypatch
):
    enrolment = services.enrol(user=learner, course=course, now=NOW)
    Enrolment.objects.filter(pk=enrolment.pk).update(completed_at=NOW)  # completed, not issued
    from courses import certificates

    rendered: list[str] = []
    original_render = certificates.render_certificate_pdf

    def counting_render(certificate) -> bytes:
        rendered.append(certificate.code)
        return original_render(certificate)

    monkeypatch.setattr(certificates, "render_certificate_pdf", counting_render)

    codes = run_at_once(
        lambda i: services.issue_certificate(enrolment_id=enrolment.pk, now=NOW).code
    )

    certificate = Certificate.objects.get(enrolment=enrolment)  # exactly one
    assert set(codes) == {certificate.code}
    assert rendered == [certificate.code]
    assert certificate.file
    assert certificate.file.storage.exists(certificate.file.name)


def test_enrolling_at_once_gives_one_enrolment(course, learner):
    enrolments = run_at_once(lambda i: services.enrol(user=learner, course=course, now=NOW))

    assert Enrolment.objects.filter(user=learner, course=course).count() == 1
    assert {e.pk for e in enrolments} == {Enrolment.objects.get(user=learner).pk}


def test_rejoining_at_once_after_leaving_gives_one_active_enrolment(course, learner):
    services.enrol(user=learner, course=course, now=NOW)
    services.leave(user=learner, course=course, now=NOW)

    run_at_once(lambda i: services.enrol(user=learner, course=course, now=NOW))

    enrolment = Enrolment.objects.get(user=learner, course=course)
    assert enrolment.is_active


# --- a real worker -------------------------------------------------------------------------------


def _test_database_url() -> str:
    """DATABASE_URL with the test database's name, so the worker reads what this test writes."""
    parts = urlsplit(os.environ["DATABASE_URL"])
    return parts._replace(path="/" + settings.DATABASES["default"]["NAME"]).geturl()


@pytest.mark.services
def test_a_real_worker_issues_the_certificate_after_completion(
    course, lessons, learner, monkeypatch
):
    if not settings.CELERY_BROKER_URL:
        pytest.skip("CELERY_BROKER_URL is not set: no broker, tasks run in-process")
    if "DATABASE_URL" not in os.environ:
        pytest.skip("the worker needs DATABASE_URL to reach the test database")
    from courses.tasks import issue_certificate_task

    certificate = None
    with celery_worker("test-certificates", DATABASE_URL=_test_database_url()) as worker:
        # Send this task to the worker, on its own queue.
        monkeypatch.setattr(issue_certificate_task, "queue", worker.queue, raising=False)
        monkeypatch.setattr(issue_certificate_task, "_exec_options", None)
        enrolment = services.enrol(user=learner, course=course, now=NOW)
        for lesson in lessons:
            services.complete_item(user=learner, page=lesson, now=NOW)  # enqueued on commit

        deadline = time.monotonic() + WORKER_TIMEOUT_SECONDS
        while time.monotonic() < deadline and worker.alive():
            certificate = Certificate.objects.filter(enrolment=enrolment).exclude(file="").first()
            if certificate is not None:
                break
            time.sleep(0.5)
    output = worker.output

    assert certificate is not None, f"no certificate within {WORKER_TIMEOUT_SECONDS}s:\n{output}"
    assert "Traceback" not in output, output
    # The worker wrote the PDF under the test settings' MEDIA_ROOT, not this test's tmp folder.
    worker_file = Path(worker_settings.MEDIA_ROOT) / certificate.file.name
    assert worker_file.read_bytes().startswith(b"%PDF")
    worker_file.unlink()
