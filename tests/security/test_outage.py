"""A dependency that does not answer.

Database down: every page answers 503 with the site's own "Temporarily unavailable" page
and a Retry-After header (not a 500), /healthz says the database is down, and a page kept
whole for visitors (training_site/page_cache.py) is still served. The database really
fails to connect: the request runs on a fresh connection to a port nothing listens on
(PostgreSQL) or to a file that cannot be opened (SQLite).

Cache (Redis) down: the site degrades, it does not fail. Pages are built from the database
and served, signed-in learners keep their session, /healthz names the cache; allauth's
rate-limited sign-in refuses (429) rather than run without its limits. The Redis server is
a closed port: connections are really refused.
"""

from __future__ import annotations

import contextlib
import copy
from html import escape

import pytest
from django.db import connections
from django.test import Client, override_settings
from django.urls import reverse

from framework_content.models import FrameworkElementPage
from training_site.outage import RETRY_AFTER_SECONDS

pytestmark = pytest.mark.django_db

UNAVAILABLE = "The site is temporarily unavailable. Please try again in a few minutes."
SERVER_ERROR = "Something went wrong"
CLOSED_PORT_REDIS = "redis://127.0.0.1:1/0"


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
    """allauth counts sign-in attempts in the cache; while it cannot count, it refuses."""
    response = client.post(
        "/accounts/login/", {"login": "amina@example.org", "password": "pw-0123456789"}
    )

    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
