"""A dependency that does not answer.

Database down: every page answers 503 with the site's own "Temporarily unavailable" page
and a Retry-After header (not a 500), /healthz says the database is down, and a page kept
whole for visitors (training_site/page_cache.py) is still served. The database really
fails to connect: the request runs on a fresh connection to a port nothing listens on
(PostgreSQL) or to a file that cannot be opened (SQLite).

Cache (Redis) down: the site degrades, it does not fail. Pages are built from the database
and served, signed-in learners keep their session, /healthz names the cache; allauth's
rate-limited sign-in refuses (the 503 page) rather than run without its limits. The Redis server is
a closed port: connections are really refused.

The certificate and export tasks that meet the database down try again (with backoff)
instead of failing for good.
"""

from __future__ import annotations

import contextlib
import copy
from datetime import UTC, datetime
from html import escape

import pytest
from django.core.files.storage import FileSystemStorage
from django.db import connections
from django.test import Client, override_settings
from django.urls import reverse

from cohorts import exports
from cohorts.models import ExportStatus
from courses import services
from courses.models import Certificate, CourseIndexPage, Enrolment
from framework_content.models import FrameworkElementPage
from tests.cohorts.conftest import make_cohort, make_user
from tests.courses.conftest import make_course, make_module
from training_site.outage import RETRY_AFTER_SECONDS

pytestmark = pytest.mark.django_db

UNAVAILABLE = "The site is temporarily unavailable. Please try again in a few minutes."
SERVER_ERROR = "Something went wrong"
CLOSED_PORT_REDIS = "redis://127.0.0.1:1/0"
NOW = datetime(2026, 3, 14, 9, 30, tzinfo=UTC)


@contextlib.contextmanager
def database_unreachable(tmp_path):
    """Requests in this block reach a database that refuses the connection."""
    alive = connections["default"]
    dead_settings = copy.deepcopy(alive.settings_dict)
    if alive.vendor == "sqlite":
        dead_settings["NAME"] = str(tmp_path / "no-such-folder" / "db.sqlite3")
    else:
        dead_settings.update(HOST="127.0.0.1", PORT="1")  # nothing listens on port 1
    dead = type(alive)(dead_settings, alias="default")
    connections["default"] = dead
    try:
        yield
    finally:
        connections["default"] = alive
        dead.close()


@pytest.fixture
def client():
    """A client that gets what a browser gets: the error page, not the exception."""
    return Client(raise_request_exception=False)


@pytest.fixture
def element(framework) -> FrameworkElementPage:
    return FrameworkElementPage.objects.live().filter(locale__language_code="en").first()


@pytest.fixture
def learner(django_user_model):
    return django_user_model.objects.create_user(
        email="amina@example.org",
        password="pw-0123456789",  # noqa: S106 - test credential
        full_name="Amina Diallo",
    )


def assert_unavailable_page(response) -> None:
    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert "no-store" in response["Cache-Control"]
    text = response.content.decode()
    assert UNAVAILABLE in text
    assert SERVER_ERROR not in text
    assert 'href="/"' in text  # the site's own page, with its way home


# --- the database -----------------------------------------------------------------------------


def test_every_page_answers_503_with_the_site_page_while_the_database_is_down(
    client, element, tmp_path
):
    urls = ["/", element.url, "/search/?q=migration", "/accounts/login/"]
    with database_unreachable(tmp_path):
        for url in urls:
            assert_unavailable_page(client.get(url))
        assert_unavailable_page(client.post("/accounts/login/", {"login": "a@example.org"}))


def test_a_signed_in_learner_gets_the_503_page_while_the_database_is_down(
    client, learner, element, tmp_path
):
    client.force_login(learner)  # the session is in the database
    urls = ["/dashboard/", element.url]

    with database_unreachable(tmp_path):
        for url in urls:
            assert_unavailable_page(client.get(url))


def test_the_503_page_is_in_the_visitors_language(client, tmp_path):
    with database_unreachable(tmp_path):
        response = client.get("/", headers={"accept-language": "fr"})

    assert response.status_code == 503
    assert 'lang="fr"' in response.content.decode()


def test_healthz_says_the_database_is_down(client, tmp_path):
    with database_unreachable(tmp_path):
        response = client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["failing"] == ["database"]
    assert body["parts"]["database"] == {"ok": False, "detail": "OperationalError"}
    assert body["parts"]["cache"]["ok"] is True


def test_a_page_kept_for_visitors_is_still_served_while_the_database_is_down(
    client, element, tmp_path
):
    url = element.url
    kept = client.get(url)
    assert kept.status_code == 200

    with database_unreachable(tmp_path):
        response = client.get(url)

    assert response.status_code == 200
    assert response.content == kept.content


# --- the database, for the tasks ----------------------------------------------------------------


@pytest.fixture
def course(framework):
    index = CourseIndexPage(title="Courses", slug="courses-outage")
    framework.add_child(instance=index)
    module, _lessons = make_module("P2", "Evidence")
    return make_course(index, "Evidence in policy", [module])


def first_run_without_database(module, name: str, tmp_path, monkeypatch) -> list[str]:
    """The first call of `module.name` meets the database down; later calls run as usual.
    Returns how each call went."""
    real = getattr(module, name)
    runs: list[str] = []

    def run(*args, **kwargs):
        if not runs:
            runs.append("database down")
            with database_unreachable(tmp_path):
                return real(*args, **kwargs)
        runs.append("ran")
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, run)
    return runs


def test_a_certificate_task_that_meets_the_database_down_tries_again(
    course, learner, tmp_path, monkeypatch, settings
):
    from courses.tasks import issue_certificate_task

    settings.MEDIA_ROOT = tmp_path / "media"
    enrolment = services.enrol(user=learner, course=course, now=NOW)
    Enrolment.objects.filter(pk=enrolment.pk).update(completed_at=NOW)
    runs = first_run_without_database(services, "issue_certificate", tmp_path, monkeypatch)

    code = issue_certificate_task.apply(args=[enrolment.pk], throw=False).get()

    assert runs == ["database down", "ran"]
    certificate = Certificate.objects.get(enrolment=enrolment)
    assert certificate.code == code
    assert certificate.file


def test_an_export_task_that_meets_the_database_down_tries_again(course, tmp_path, monkeypatch):
    from cohorts.tasks import run_export_task

    storage = FileSystemStorage(location=tmp_path / "exports")
    monkeypatch.setattr(exports.ExportJob._meta.get_field("file"), "storage", storage)
    trainer = make_user("tess@example.org", "Tess Trainer")
    cohort = make_cohort(course, [trainer])
    job = exports.request_export(
        user=trainer,
        kind=exports.COHORT_MATRIX,
        params={"cohort_id": cohort.pk},
        file_format="csv",
        language="en",
    )
    runs = first_run_without_database(exports, "run_export", tmp_path, monkeypatch)

    assert run_export_task.apply(args=[job.pk], throw=False).get() == ExportStatus.READY

    assert runs == ["database down", "ran"]
    job.refresh_from_db()
    assert job.status == ExportStatus.READY


# --- the cache --------------------------------------------------------------------------------


@pytest.fixture
def redis_down():
    """Production's cache backend and sessions, on a Redis that refuses connections."""
    dead_cache = {
        "default": {
            "BACKEND": "training_site.redis_cache.RedisCache",
            "LOCATION": CLOSED_PORT_REDIS,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    with override_settings(
        CACHES=dead_cache, SESSION_ENGINE="django.contrib.sessions.backends.cached_db"
    ):
        yield


def test_pages_are_served_from_the_database_while_redis_is_down(client, element, redis_down):
    home = element.get_parent().get_parent()
    for url, title in [("/", home.title), (element.url, element.title)]:
        response = client.get(url)

        assert response.status_code == 200, url
        assert f"{escape(title)}</h1>" in response.content.decode()


def test_a_signed_in_learner_keeps_their_session_while_redis_is_down(client, learner, redis_down):
    client.force_login(learner)  # written to the database; the cache copy is dropped

    response = client.get("/dashboard/")

    assert response.status_code == 200  # not sent to sign in
    html = response.content.decode()
    assert "My learning" in html
    assert f'action="{reverse("account_logout")}"' in html


def test_healthz_names_the_cache_while_redis_is_down(client, redis_down):
    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["failing"] == ["cache"]


def test_signing_in_is_refused_not_unlimited_while_redis_is_down(client, learner, redis_down):
    """allauth counts sign-in attempts in the cache; while it cannot count, it refuses, and
    the visitor is told the site is unavailable for now, not that they tried too often."""
    response = client.post(
        "/accounts/login/", {"login": "amina@example.org", "password": "pw-0123456789"}
    )

    assert response.status_code == 503
    assert response["Retry-After"]
    assert "Temporarily unavailable" in response.content.decode()
    assert "_auth_user_id" not in client.session
