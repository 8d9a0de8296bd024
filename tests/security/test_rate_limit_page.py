"""A rate limit's refusal is the site's own page, in the visitor's language; while the cache
that counts attempts is down, the refusal is the site's 503 page (training_site.views)."""

import pytest
from django.core.cache import caches

from accounts.models import User


@pytest.fixture
def learner(db, settings):
    # One cohort code a minute, so the second try is refused.
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "join_cohort": "1/m/user"}
    caches["default"].clear()
    return User.objects.create_user(email="amina@example.org", password="pw-0123456789")


def refused(client, learner):
    client.force_login(learner)
    assert client.get("/join/NOPE1234/").status_code == 404  # no such cohort
    return client.get("/join/NOPE5678/")


def test_too_many_tries_get_the_sites_page(client, learner):
    response = refused(client, learner)
    assert response.status_code == 429
    html = response.content.decode()
    assert "<h1>Too many attempts</h1>" in html
    assert 'id="main"' in html  # the site's layout (landmarks, header), not a bare page
    assert "Too Many Requests" not in html  # allauth's fallback


def test_the_page_is_in_the_learners_language(client, learner):
    learner.preferred_language = "fr"
    learner.save()
    response = refused(client, learner)
    assert response.status_code == 429
    assert "<h1>Trop de tentatives</h1>" in response.content.decode()


def test_while_the_cache_does_not_answer_the_refusal_is_the_unavailable_page(
    client, learner, monkeypatch
):
    # training_site.redis_cache.RedisCache.answering is False for a few seconds after Redis
    # failed to answer; allauth then refuses every attempt it cannot count.
    monkeypatch.setattr(caches["default"], "answering", False, raising=False)
    response = refused(client, learner)
    assert response.status_code == 503
    assert response["Retry-After"]
    assert "Temporarily unavailable" in response.content.decode()
