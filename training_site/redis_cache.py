"""Django's Redis cache backend, with one Redis client per connection pool.

Django's `RedisCacheClient.get_client` makes a new `redis.Redis` for every cache operation;
each one builds its table of response callbacks (some 170 entries) before sending a byte:
about 0.2 ms of Python per operation, several times per page. A `redis.Redis` is safe to
share between threads (it takes a connection from its pool for each command), so one per
pool is made and kept. Everything else is Django's own backend.

While Redis does not answer (connection refused or lost, a timeout), the cache answers as an
empty one instead of raising: reads miss, writes are dropped, `add` stores nothing (False),
and the error is logged. Wagtail (its site root paths), sessions (read through to the
database) and our content cache then build from the database, so pages are still served.
After a failure Redis is left alone for RETRY_SECONDS (`answering` is False meanwhile), so
a request does not wait on a connect timeout for each of its dozen cache reads.
allauth's rate limits count in this cache: while it is down they cannot count, and
allauth refuses sign-in, sign-up and password resets (429) rather than let them through
unlimited.
"""

from __future__ import annotations

import logging
import threading
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

UNANSWERED = (RedisConnectionError, RedisTimeoutError)
RETRY_SECONDS = 5


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
        self._silent_until = 0.0

    @property
    def answering(self) -> bool:
        """False for RETRY_SECONDS after Redis failed to answer."""
        return time.monotonic() >= self._silent_until

    def _or(self, fallback, operation, *args):
        if not self.answering:
            return fallback
        try:
            return operation(*args)
        except UNANSWERED:
            self._silent_until = time.monotonic() + RETRY_SECONDS
            logger.warning(
                "The cache (Redis) did not answer: treated as empty for %ss.",
                RETRY_SECONDS,
                exc_info=True,
            )
            return fallback

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._or(False, super().add, key, value, timeout, version)

    def get(self, key, default=None, version=None):
        return self._or(default, super().get, key, default, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._or(None, super().set, key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._or(False, super().touch, key, timeout, version)

    def delete(self, key, version=None):
        return self._or(False, super().delete, key, version)

    def get_many(self, keys, version=None):
        return self._or({}, super().get_many, keys, version)

    def has_key(self, key, version=None):
        return self._or(False, super().has_key, key, version)

    def incr(self, key, delta=1, version=None):
        missing = object()
        value = self._or(missing, super().incr, key, delta, version)
        if value is missing:
            raise ValueError(f"Key '{key}' not found.")  # as for any key the cache lacks
        return value

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._or(list(data), super().set_many, data, timeout, version)

    def delete_many(self, keys, version=None):
        return self._or(None, super().delete_many, keys, version)

    def clear(self):
        return self._or(False, super().clear)
