"""Django's Redis cache backend, with one Redis client per connection pool.

Django's `RedisCacheClient.get_client` makes a new `redis.Redis` for every cache operation;
each one builds its table of response callbacks (some 170 entries) before sending a byte:
about 0.2 ms of Python per operation, several times per page. A `redis.Redis` is safe to
share between threads (it takes a connection from its pool for each command), so one per
pool is made and kept. Everything else is Django's own backend.
"""

from __future__ import annotations

import threading

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


class SharedClientRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients: dict[int, object] = {}
        self._clients_lock = threading.Lock()

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            with self._clients_lock:
                client = self._clients.get(index)
                if client is None:
                    # The pool of this server (Django's _get_connection_pool would draw a
                    # read server again at random when there are several).
                    if index not in self._pools:
                        self._pools[index] = self._pool_class.from_url(
                            self._servers[index], **self._pool_options
                        )
                    client = self._clients[index] = self._client(connection_pool=self._pools[index])
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = SharedClientRedisCacheClient
