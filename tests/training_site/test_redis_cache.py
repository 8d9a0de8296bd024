"""The Redis cache backend that keeps one client per pool (training_site/redis_cache.py),
against the real Redis on 127.0.0.1 (skipped where none answers)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
import redis

from training_site.redis_cache import RedisCache

LOCATION = "redis://127.0.0.1:6379/14"


def _redis_answers() -> bool:
    try:
        redis.Redis.from_url(LOCATION, socket_connect_timeout=1).ping()
    except redis.RedisError:
        return False
    return True


pytestmark = pytest.mark.skipif(not _redis_answers(), reason="no Redis on 127.0.0.1:6379")


@pytest.fixture
def backend():
    cache = RedisCache(LOCATION, {"KEY_PREFIX": "migof-test-shared-client"})
    cache.clear()
    yield cache
    cache.clear()


def test_every_operation_uses_the_same_client(backend):
    client = backend._cache.get_client()
    assert backend._cache.get_client("any", write=True) is client
    backend.set("a", {"value": 1})
    assert backend._cache.get_client() is client


def test_it_behaves_as_djangos_backend(backend):
    assert backend.add("k", "first") is True
    assert backend.add("k", "second") is False
    backend.set_many({"x": 1, "y": [2, 3]})
    assert backend.get_many(["k", "x", "y", "missing"]) == {"k": "first", "x": 1, "y": [2, 3]}
    assert backend.incr("x") == 2
    backend.delete("k")
    assert backend.get("k", "gone") == "gone"


def test_threads_share_it_and_each_reads_its_own_values(backend):
    def work(n: int) -> bool:
        for i in range(50):
            backend.set(f"t{n}:{i}", n * 1000 + i)
        return all(backend.get(f"t{n}:{i}") == n * 1000 + i for i in range(50))

    with ThreadPoolExecutor(max_workers=8) as pool:
        assert all(pool.map(work, range(16)))


def test_with_replicas_each_server_keeps_its_own_client(monkeypatch):
    """Writes go to the first server, reads to one of the others, drawn at random: each
    client is its own server's (one Redis here, as three databases)."""
    import itertools

    import django.core.cache.backends.redis as django_redis

    draws = itertools.cycle([1, 2])
    monkeypatch.setattr(django_redis.random, "randint", lambda low, high: next(draws))
    servers = [LOCATION, "redis://127.0.0.1:6379/15", "redis://127.0.0.1:6379/13"]
    cache = RedisCache(servers, {})._cache
    assert cache.get_client(write=True).connection_pool.connection_kwargs["db"] == 14
    for _ in range(4):
        cache.get_client()
    assert cache._clients[1].connection_pool.connection_kwargs["db"] == 15
    assert cache._clients[2].connection_pool.connection_kwargs["db"] == 13
