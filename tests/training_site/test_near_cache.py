"""The process's own copy of versioned cache entries (training_site.near_cache), and the
view restrictions a served page answers from the content cache (training_site.routing)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from wagtail.models import PageViewRestriction

from accounts.models import User
from framework_content.models import FrameworkElementPage
from training_site import content_cache
from training_site.near_cache import MISSING, NearCache

# --- the copy itself (pure) -------------------------------------------------------------------


def test_a_value_comes_back_as_a_copy_of_its_own():
    near = NearCache()
    near.set("k", {"titles": ["a"]}, 60)
    first = near.get("k")
    first["titles"].append("changed by one request")
    assert near.get("k") == {"titles": ["a"]}


def test_the_least_recently_used_entries_go_first():
    near = NearCache(max_entries=2)
    near.set("a", 1, 60)
    near.set("b", 2, 60)
    assert near.get("a") == 1  # "b" is now the least recently used
    near.set("c", 3, 60)
    assert near.get("b") is MISSING
    assert (near.get("a"), near.get("c")) == (1, 3)


def test_the_bytes_are_bounded_and_a_large_entry_is_not_kept():
    near = NearCache(max_bytes=400, max_entry_bytes=300)
    near.set("large", "x" * 1000, 60)
    assert near.get("large") is MISSING
    for n in range(5):
        near.set(f"k{n}", "y" * 150, 60)
    assert len(near) == 2
    assert near.get("k4") == "y" * 150


def test_an_entry_expires_with_its_timeout(monkeypatch):
    import training_site.near_cache as module

    clock = [1000.0]
    monkeypatch.setattr(module.time, "monotonic", lambda: clock[0])
    near = NearCache()
    near.set("k", "v", 30)
    clock[0] += 29
    assert near.get("k") == "v"
    clock[0] += 2
    assert near.get("k") is MISSING


def test_what_cannot_be_pickled_is_not_kept():
    near = NearCache()
    near.set("k", lambda: None, 60)
    assert near.get("k") is MISSING


# --- with the shared cache ----------------------------------------------------------------


@pytest.mark.django_db
def test_remember_reads_the_process_copy_before_the_shared_cache(monkeypatch):
    from django.core.cache import cache

    content_cache.near.clear()
    built = []
    key = "content:test-token:thing"
    assert content_cache.remember(key, lambda: built.append(1) or "value", 60) == "value"
    reads = []
    real_get = cache.get
    monkeypatch.setattr(cache, "get", lambda *a, **k: reads.append(a) or real_get(*a, **k))
    assert content_cache.remember(key, lambda: built.append(1) or "other", 60) == "value"
    assert built == [1] and reads == []


def test_kept_reads_the_process_copy_then_the_shared_cache_and_builds_nothing(monkeypatch):
    from django.core.cache import cache

    content_cache.near.clear()
    assert content_cache.kept("content:test-token:absent", 60) is MISSING
    cache.set("content:test-token:shared", "from the shared cache", 60)
    assert content_cache.kept("content:test-token:shared", 60) == "from the shared cache"
    reads = []
    real_get = cache.get
    monkeypatch.setattr(cache, "get", lambda *a, **k: reads.append(a) or real_get(*a, **k))
    assert content_cache.kept("content:test-token:shared", 60) == "from the shared cache"
    assert reads == []  # the second time, this process's copy


@pytest.mark.django_db
def test_a_view_that_is_not_a_page_takes_the_site_from_the_process_copy(
    client, framework, monkeypatch
):
    """The search page (any view but Wagtail's) asks for the request's site only if a page
    request has kept it: from this process's copy, without a round trip."""
    from django.core.cache import cache

    content_cache.near.clear()
    assert client.get("/").status_code == 200  # a page: the site looked up and kept
    reads = []
    real_get = cache.get
    monkeypatch.setattr(cache, "get", lambda *a, **k: reads.append(a[0]) or real_get(*a, **k))
    assert client.get("/search/", {"q": "migration"}).status_code == 200
    assert not [key for key in reads if ":site:" in key]


@pytest.mark.django_db
def test_a_new_token_is_never_answered_from_an_old_copy(client, framework):
    element = FrameworkElementPage.objects.live().filter(locale__language_code="en").first()
    user = User.objects.create_user(email="amina@example.org", password="pw-0123456789")
    client.force_login(user)
    assert "Adherence to international standards" in client.get(element.url).text
    element.title = "Renamed, and every process sees it"
    element.save_revision().publish()
    assert "Renamed, and every process sees it" in client.get(element.url).text


# --- view restrictions ------------------------------------------------------------------------


@pytest.fixture
def element(framework) -> FrameworkElementPage:
    return FrameworkElementPage.objects.live().filter(locale__language_code="en").first()


@pytest.fixture
def signed_in(db) -> tuple[Client, User]:
    user = User.objects.create_user(email="amina@example.org", password="pw-0123456789")
    client = Client()
    client.force_login(user)
    return client, user


@pytest.mark.django_db
def test_a_warm_page_reads_no_view_restriction(element, signed_in):
    client, _user = signed_in
    client.get(element.url)
    client.get(element.url)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(element.url).status_code == 200
    assert not any("pageviewrestriction" in q["sql"] for q in queries.captured_queries)


@pytest.mark.django_db
def test_a_restriction_added_later_is_enforced_at_once(element, signed_in):
    client, user = signed_in
    assert client.get(element.url).status_code == 200
    client.get(element.url)
    restriction = PageViewRestriction.objects.create(
        page=element.get_parent(), restriction_type=PageViewRestriction.GROUPS
    )
    editors = Group.objects.create(name="Only these")
    restriction.groups.add(editors)
    restriction.save()
    response = client.get(element.url)
    assert response.status_code == 302 and "login" in response["Location"]
    user.groups.add(editors)
    assert client.get(element.url).status_code == 200
    restriction.delete()
    user.groups.remove(editors)
    assert client.get(element.url).status_code == 200
