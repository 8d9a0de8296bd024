"""Whole pages kept for visitors who are not signed in (training_site.page_cache): served
again without a query, replaced as soon as the content changes, one copy per language and
host, never served to a signed-in person, never holding a message, a cookie or a CSRF token
of one visitor, and the language switch works without a token for visitors."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from wagtail.models import PageViewRestriction

from accounts.models import User
from framework_content.models import FrameworkElementPage
from training_site import page_cache

pytestmark = pytest.mark.django_db

HIT = page_cache.SERVED_FROM_CACHE


@pytest.fixture
def element(framework) -> FrameworkElementPage:
    return FrameworkElementPage.objects.live().filter(locale__language_code="en").first()


def get(client, url, **extra):
    response = client.get(url, **extra)
    assert response.status_code == 200, (url, response.status_code)
    return response


def test_a_page_shown_again_is_served_whole_without_a_query(client, element, django_db_blocker):
    first = get(client, element.url)
    assert first[HIT] == "miss"
    from django.db import connection

    with CaptureQueriesContext(connection) as queries:
        again = get(client, element.url)
    assert again[HIT] == "hit"
    assert queries.captured_queries == []
    assert again.content == first.content
    assert again["Content-Type"] == first["Content-Type"]
    # The headers every response gets are still there.
    assert again["X-Content-Type-Options"] == "nosniff"
    assert again["Content-Language"] == "en"


def test_a_published_change_shows_at_once(client, element):
    get(client, element.url)
    element.title = "A new title for this element"
    element.save_revision().publish()
    response = get(client, element.url)
    assert response[HIT] == "miss"
    assert "A new title for this element" in response.text


def test_each_language_has_its_own_copy(client, element):
    english = get(client, "/").text
    client.cookies["django_language"] = "fr"
    french = get(client, "/")
    assert french[HIT] == "miss"
    assert french["Content-Language"] == "fr"
    assert french.text != english
    assert get(client, "/")[HIT] == "hit"
    client.cookies["django_language"] = "en"
    assert get(client, "/").text == english


def test_each_host_has_its_own_copy(client, element, settings):
    settings.ALLOWED_HOSTS = ["testserver", "other.example.org"]
    get(client, "/")
    assert get(client, "/", HTTP_HOST="other.example.org")[HIT] == "miss"


def test_a_signed_in_person_never_gets_the_kept_page(client, element):
    get(client, element.url)
    user = User.objects.create_user(email="amina@example.org", password="pw-0123456789")
    signed_in = Client()
    signed_in.force_login(user)
    response = get(signed_in, element.url)
    assert HIT not in response
    assert "Log out" in response.text and "Log out" not in get(client, element.url).text


def test_a_waiting_message_is_shown_to_its_visitor_only(client, element):
    user = User.objects.create_user(email="amina@example.org", password="pw-0123456789")
    get(client, "/")  # kept, without a message
    client.force_login(user)
    client.post("/accounts/logout/")  # "You have signed out." waits for the next page
    response = get(client, "/")
    assert "You have signed out" in response.text
    assert HIT not in response
    # Nobody else sees it, and the visitor does not see it twice.
    assert "You have signed out" not in get(Client(), "/").text
    assert "You have signed out" not in get(client, "/").text


def test_a_query_string_is_not_kept(client, element):
    get(client, element.url + "?x=1")
    response = get(client, element.url + "?x=1")
    assert HIT not in response


def test_a_page_holding_a_csrf_token_is_not_kept():
    request = RequestFactory().get("/")
    request.META["CSRF_COOKIE_NEEDS_UPDATE"] = True
    from django.http import HttpResponse

    assert not page_cache._keepable(request, HttpResponse("<p>form</p>"))
    clean = RequestFactory().get("/")
    assert page_cache._keepable(clean, HttpResponse("<p>text</p>"))


def test_a_response_that_sets_a_cookie_or_is_private_is_not_kept():
    from django.http import HttpResponse

    request = RequestFactory().get("/")
    with_cookie = HttpResponse("<p>x</p>")
    with_cookie.set_cookie("a", "b")
    private = HttpResponse("<p>x</p>")
    private["Cache-Control"] = "private"
    missing = HttpResponse("<p>x</p>", status=404)
    assert not any(page_cache._keepable(request, r) for r in (with_cookie, private, missing))


def test_a_restricted_page_is_never_kept(client, element):
    restriction = PageViewRestriction.objects.create(
        page=element, restriction_type=PageViewRestriction.LOGIN
    )
    response = client.get(element.url)
    assert response.status_code == 302
    assert HIT not in response
    restriction.delete()
    assert get(client, element.url)[HIT] == "miss"


def test_the_pages_have_no_csrf_token_for_visitors(client, element):
    for url in ("/", element.url):
        html = get(client, url).text
        assert "csrfmiddlewaretoken" not in html, url
        assert "csrftoken" not in get(client, url).cookies


def test_a_visitor_switches_language_without_a_token(element):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/i18n/setlang/", {"language": "fr", "next": "/"})
    assert response.status_code == 302
    assert response.cookies["django_language"].value == "fr"
    assert get(client, "/")["Content-Language"] == "fr"


def test_a_signed_in_person_still_needs_the_token(element):
    user = User.objects.create_user(email="amina@example.org", password="pw-0123456789")
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    assert client.post("/i18n/setlang/", {"language": "fr", "next": "/"}).status_code == 403
    user.refresh_from_db()
    assert user.preferred_language != "fr"
    html = get(client, "/").text
    assert 'name="csrfmiddlewaretoken"' in html.split('class="language-switcher"', 1)[1]


class DownCache:
    def get(self, *args, **kwargs):
        raise ConnectionError("the cache is down")

    set = get


def test_without_a_cache_pages_are_built_every_time(client, element, monkeypatch):
    get(client, element.url)
    monkeypatch.setattr(page_cache, "cache", DownCache())
    first, second = get(client, element.url), get(client, element.url)
    assert HIT not in first and HIT not in second
    assert first.content == second.content
    monkeypatch.setattr(page_cache, "content_key", lambda *parts: None)  # no content token
    assert HIT not in get(client, element.url)


def test_a_head_request_is_answered_from_the_kept_page(client, element):
    get(client, element.url)
    response = client.head(element.url)
    assert response.status_code == 200
    assert response[HIT] == "hit"


def test_may_be_kept_needs_an_anonymous_get():
    request = RequestFactory().post("/")
    request.user = AnonymousUser()
    assert not page_cache._may_be_kept(request)


def test_a_deploy_drops_every_kept_page(client, element):
    """Every deploy runs migrate: pages rendered by the previous release's templates go."""
    from django.core.management import call_command

    get(client, element.url)
    assert get(client, element.url)[HIT] == "hit"
    call_command("migrate", verbosity=0)  # nothing to apply: a deploy without migrations
    assert get(client, element.url)[HIT] == "miss"


def test_nothing_rendered_is_kept_while_debug_is_on(client, element, settings):
    settings.DEBUG = True  # templates are edited while the server runs
    get(client, element.url)
    assert HIT not in get(client, element.url)
