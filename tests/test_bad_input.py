"""Junk in URLs, query strings and forms never gives a server error."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from accounts.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def client():
    # Server errors must come back as responses (the site's 500 page), not exceptions.
    return Client(raise_request_exception=False)


@pytest.fixture
def member(client):
    user = User.objects.create_user(email="junk@example.org", password="correct-horse-9")
    client.force_login(user)
    return user


@pytest.mark.parametrize(
    "path",
    ["/no-such-page/", "/migof/nope/deeper/", "/indicators/no-such-framework/x/", "/%ff%fe/"],
)
def test_unknown_urls_get_the_sites_404(framework, client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


@pytest.mark.parametrize(
    "query",
    [
        "q=%ff%fe",
        "q=%00",
        "q=migration&page=abc",
        "q=migration&page=-1",
        "q=migration&page=0",
        "q=migration&page=999999",
        "q=migration&page=1e9",
        "q=" + "a" * 1000,
        "q=" + "migration%20" * 300,
        "q=a&q=b&q=c&page=1&page=2",
        'q="unbalanced',
        "q=%22migrant%22+%22rights",
        "q=*",
        "q=migration&page=%ff",
        "q=AND+OR+NOT+(",
        "q[]=x",
    ],
)
def test_malformed_search_queries(framework, client, query):
    response = client.get("/search/?" + query)
    assert response.status_code < 500, query
    assert response.status_code in {200, 400}


@pytest.mark.parametrize("route", ["", "crosswalk/", "mgi-2016/", "mgi-2016/eiu16-1-1/"])
def test_query_junk_on_indicator_pages(framework, client, route):
    response = client.get(f"/indicators/{route}?page=abc&q=%ff&x=1&x=2")
    assert response.status_code == 200


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"login": "", "password": ""},
        {"login": "not-an-email", "password": "x"},
        {"login": "a" * 5000 + "@example.org", "password": "x" * 5000},
        {"login": ["a@example.org", "b@example.org"], "password": "x"},
        {"login": "\x00@example.org", "password": "\x00"},
        {"login": "a@example.org", "password": "x", "remember": "maybe"},
    ],
)
def test_junk_login_posts(client, data):
    response = client.post(reverse("account_login"), data)
    assert response.status_code in {200, 400, 429}
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"email": "bad", "password1": "x", "password2": "y", "full_name": ""},
        {
            "email": "ok@example.org",
            "password1": "a-long-passphrase-42",
            "password2": "a-long-passphrase-42",
            "full_name": "x" * 1000,
            "country": "XX",
            "preferred_language": "klingon",
        },
        {
            "email": "ok@example.org",
            "password1": "a-long-passphrase-42",
            "password2": "a-long-passphrase-42",
            "full_name": "A Person",
            "country": ["FR", "ES"],
            "preferred_language": "\x00",
        },
    ],
)
def test_junk_signup_posts(client, data):
    response = client.post(reverse("account_signup"), data)
    assert response.status_code in {200, 400}
    assert not User.objects.filter(email="ok@example.org").exists()


@pytest.mark.parametrize("language", ["klingon", "", "../../etc", "fr" * 100, "\x00"])
def test_bogus_language_switch(client, member, language):
    response = client.post(reverse("set_language"), {"language": language, "next": "/"})
    assert response.status_code in {302, 400}
    member.refresh_from_db()
    assert member.preferred_language == "en"


def test_language_switch_ignores_foreign_next(client):
    response = client.post(
        reverse("set_language"), {"language": "fr", "next": "https://evil.example/"}
    )
    assert response.status_code == 302
    assert "evil.example" not in response["Location"]


def test_language_switch_is_post_only(client):
    assert client.get(reverse("set_language")).status_code == 405


@pytest.mark.parametrize(
    "data",
    [
        {"full_name": "Me", "country": "ZZ", "preferred_language": "en"},
        {"full_name": "Me", "country": "FR", "preferred_language": "xx"},
        {"full_name": "Me", "country": "FR", "preferred_language": ["fr", "xx"]},
        {"full_name": "x" * 1000, "country": "FR", "preferred_language": "fr"},
        {},
    ],
)
def test_junk_profile_posts(client, member, data):
    response = client.post(reverse("accounts_profile"), data)
    assert response.status_code == 200
    assert response.context["form"].errors
    member.refresh_from_db()
    assert member.preferred_language == "en"
    assert member.country == ""
