"""/healthz: public, GET/HEAD only, 200 when every part answers, 503 naming the failing part."""

import time

import pytest
from django.db import OperationalError
from django.test import override_settings

from training_site import health

pytestmark = pytest.mark.django_db

CLOSED_PORT_REDIS = "redis://127.0.0.1:1/0"


def test_healthz_reports_every_configured_part(client, settings):
    response = client.get("/healthz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["failing"] == []
    expected = {"database", "cache"} | ({"broker"} if settings.CELERY_BROKER_URL else set())
    assert set(body["parts"]) == expected
    assert all(part["ok"] for part in body["parts"].values())
    assert "no-cache" in response["Cache-Control"]


def test_healthz_answers_head(client):
    response = client.head("/healthz")

    assert response.status_code == 200
    assert response.content == b""


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_healthz_refuses_other_methods(client, method):
    response = getattr(client, method)("/healthz")

    assert response.status_code == 405


def test_healthz_names_the_database_when_it_fails(client, monkeypatch):
    class DeadConnection:
        vendor = "postgresql"

        def cursor(self):
            raise OperationalError("connection refused")

    monkeypatch.setattr(health, "connection", DeadConnection())

    response = client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "fail"
    assert body["failing"] == ["database"]
    assert body["parts"]["database"] == {"ok": False, "detail": "OperationalError"}


def test_healthz_names_the_cache_when_it_fails(client):
    dead_cache = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CLOSED_PORT_REDIS,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    # Changing CACHES makes Django drop its cache handlers: /healthz gets a fresh, dead one.
    with override_settings(CACHES=dead_cache):
        response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["failing"] == ["cache"]


def test_healthz_names_the_broker_when_it_fails_quickly(client):
    with override_settings(CELERY_BROKER_URL=CLOSED_PORT_REDIS):
        started = time.monotonic()
        response = client.get("/healthz")
        elapsed = time.monotonic() - started

    assert response.status_code == 503
    body = response.json()
    assert body["failing"] == ["broker"]
    assert body["parts"]["broker"]["ok"] is False
    assert elapsed < 5


def test_healthz_never_shows_the_broker_url(client):
    with override_settings(CELERY_BROKER_URL="redis://:s3cret@127.0.0.1:1/0"):
        response = client.get("/healthz")

    assert b"s3cret" not in response.content
