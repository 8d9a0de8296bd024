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
