"""A Celery worker killed with SIGKILL in the middle of a task: the next worker finishes the
work, exactly once.

Real Redis broker, real workers (tests/workers.py), the test database on PostgreSQL (the
worker reads what the test commits, so these tests are transactional). The first worker is
held at a named point of the task, after its first write (training_site/checkpoints.py:
the test settings let a task wait there while a `<point>.hold` file exists), and killed
there. Its message stays unacknowledged in Redis (acks_late); a second worker, started with
a short CELERY_VISIBILITY_TIMEOUT, hands it out again and runs the task to the end.

Two points per task: right after the first write committed (the certificate's row, the
export job claimed), and after the file was stored but before the transaction that names it
committed (the case that used to leave a second file behind).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.db import connection

from cohorts import exports
from cohorts.models import ExportJob, ExportStatus
from courses import services
from courses.models import Certificate, CourseIndexPage
from tests.cohorts.conftest import add_member, make_cohort, make_user
from tests.courses.conftest import make_course, make_module
from tests.workers import WORKER_TIMEOUT_SECONDS, Worker, celery_worker
from training_site.settings import test as worker_settings

pytestmark = [
    pytest.mark.services,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="the worker reads the test database: needs DATABASE_URL=postgres://...",
    ),
    # Committed data: the workers are other processes.
    pytest.mark.django_db(transaction=True),
]

NOW = datetime(2026, 3, 14, 9, 30, tzinfo=UTC)
# The second worker hands out again a message left unacknowledged for 2 seconds.
REDELIVER_SOON = {"CELERY_VISIBILITY_TIMEOUT": "2"}


@pytest.fixture(autouse=True)
def _services():
    url = settings.CELERY_BROKER_URL
    if not url.startswith(("redis://", "rediss://")):
        pytest.skip("needs a Redis broker: set CELERY_BROKER_URL=redis://...")
    if "DATABASE_URL" not in os.environ:
        pytest.skip("the worker needs DATABASE_URL to reach the test database")


def _test_database_url() -> str:
    """DATABASE_URL with the test database's name, so the workers read what this test writes."""
    parts = urlsplit(os.environ["DATABASE_URL"])
    return parts._replace(path="/" + settings.DATABASES["default"]["NAME"]).geturl()


def _wait_for(condition: Callable[[], object], worker: Worker, what: str):
    """Poll `condition` until it holds; fail (with the worker's output) if the worker dies or
    nothing happens within WORKER_TIMEOUT_SECONDS."""
    deadline = time.monotonic() + WORKER_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        if not worker.alive():
            break
        time.sleep(0.2)
    worker.process.kill()
    output, _ = worker.process.communicate()
    pytest.fail(f"{what}: not within {WORKER_TIMEOUT_SECONDS}s\n{output}")


def _files(folder: Path) -> set[Path]:
    return {path for path in folder.rglob("*") if path.is_file()} if folder.exists() else set()


@pytest.fixture
def hold(tmp_path):
    """`hold(point)`: the next task to reach `point` waits there; returns the file that
    appears when it has arrived."""
    folder = tmp_path / "checkpoints"
    folder.mkdir()

    def at(point: str) -> tuple[str, Path]:
        (folder / f"{point}.hold").touch()
        return str(folder), folder / f"{point}.reached"

    return at


def _route_to(task, queue: str, monkeypatch) -> None:
    monkeypatch.setattr(task, "queue", queue, raising=False)
    monkeypatch.setattr(task, "_exec_options", None)


# --- the certificate ------------------------------------------------------------------------


@pytest.fixture
def course(framework):
    index = CourseIndexPage(title="Courses", slug="courses-kill")
    framework.add_child(instance=index)
    module, _lessons = make_module("P2", "Evidence")
    return make_course(index, "Evidence in policy", [module])


@pytest.mark.parametrize("point", ["certificate-recorded", "certificate-pdf-stored"])
def test_a_worker_killed_while_issuing_a_certificate_leaves_one_certificate(
    course, hold, point, monkeypatch
):
    from courses.tasks import issue_certificate_task

    learner = make_user("amina@example.org", "Amina Diallo")
    folder, reached = hold(point)
    media = Path(worker_settings.MEDIA_ROOT) / "certificates"
    before = _files(media)
    database = _test_database_url()

    with celery_worker("kill-cert", DATABASE_URL=database, TASK_CHECKPOINT_DIR=folder) as first:
        _route_to(issue_certificate_task, first.queue, monkeypatch)
        enrolment = services.enrol(user=learner, course=course, now=NOW)
        for lesson in course.course_modules.get().module.get_children().specific():
            services.complete_item(user=learner, page=lesson, now=NOW)  # queued on commit

        _wait_for(reached.exists, first, f"the task did not reach {point}")
        first.kill()
        (Path(folder) / f"{point}.hold").unlink()

        # Killed in the middle: the row is there, no file is recorded yet.
        half = Certificate.objects.get(enrolment=enrolment)
        assert not half.file
        if point == "certificate-pdf-stored":
            assert len(_files(media) - before) == 1  # stored, but no committed row names it

        with celery_worker(queue=first.queue, DATABASE_URL=database, **REDELIVER_SOON) as second:
            certificate = _wait_for(
                lambda: Certificate.objects.filter(enrolment=enrolment).exclude(file="").first(),
                second,
                "no worker finished the certificate after the kill",
            )
    assert "Traceback" not in second.output, second.output

    assert Certificate.objects.filter(enrolment=enrolment).count() == 1
    assert certificate.code == half.code  # the same certificate, finished
    new_files = _files(media) - before
    try:
        assert new_files == {Path(worker_settings.MEDIA_ROOT) / certificate.file.name}
        assert next(iter(new_files)).read_bytes().startswith(b"%PDF")
    finally:
        for path in new_files:
            path.unlink()


# --- the export -----------------------------------------------------------------------------


@pytest.mark.parametrize("point", ["export-claimed", "export-file-stored"])
def test_a_worker_killed_while_building_an_export_leaves_one_file(course, hold, point, monkeypatch):
    from cohorts.tasks import run_export_task

    trainer = make_user("tess@example.org", "Tess Trainer")
    trainee = make_user("aissatou@example.org", "Aïssatou Ndiaye")
    cohort = make_cohort(course, [trainer])
    add_member(cohort, trainee)
    folder, reached = hold(point)
    storage = Path(worker_settings.STORAGES["exports"]["OPTIONS"]["location"])
    before = _files(storage)
    database = _test_database_url()

    with celery_worker("kill-export", DATABASE_URL=database, TASK_CHECKPOINT_DIR=folder) as first:
        _route_to(run_export_task, first.queue, monkeypatch)
        job = exports.request_export(
            user=trainer,
            kind=exports.COHORT_MATRIX,
            params={"cohort_id": cohort.pk},
            file_format="csv",
            language="en",
        )

        _wait_for(reached.exists, first, f"the task did not reach {point}")
        first.kill()
        (Path(folder) / f"{point}.hold").unlink()

        job.refresh_from_db()
        assert job.status == ExportStatus.RUNNING  # killed in the middle
        assert not job.file
        if point == "export-file-stored":
            assert len(_files(storage) - before) == 1  # stored, but no committed row names it

        with celery_worker(queue=first.queue, DATABASE_URL=database, **REDELIVER_SOON) as second:
            _wait_for(
                lambda: ExportJob.objects.filter(pk=job.pk, status=ExportStatus.READY).exists(),
                second,
                "no worker finished the export after the kill",
            )
    assert "Traceback" not in second.output, second.output

    assert ExportJob.objects.count() == 1
    job.refresh_from_db()
    assert job.progress == 100
    new_files = _files(storage) - before
    try:
        assert new_files == {storage / job.file.name}
        assert "Aïssatou Ndiaye" in next(iter(new_files)).read_bytes().decode("utf-8-sig")
    finally:
        for path in new_files:
            path.unlink()
