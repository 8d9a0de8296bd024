"""A copy, in each process, of what is kept in the shared cache under versioned keys.

Everything `training_site.content_cache.remember` keeps is under a key that changes when
what it was built from changes (a content token, a learner's token): an entry under a key
never changes, it is only left behind. Such an entry can be kept in the process that read
it as well as in the shared cache (Redis in production), and a later request in the same
process reads it without a round trip to Redis: a lesson page asks for a dozen of them.
Tokens themselves are never kept here (they change): only the entries under them.

Entries are kept pickled and unpickled on each read, as the shared cache gives them: a
request that changes what it was given changes nobody else's copy. The copy is bounded in
entries and bytes (least recently used out first) and honours the entry's timeout.
"""

from __future__ import annotations

import pickle
import threading
import time
from collections import OrderedDict

MISSING = object()

MAX_ENTRIES = 4096
MAX_BYTES = 32 * 1024 * 1024
# A larger entry (a cohort's matrix of a hundred trainees) is read from the shared cache.
MAX_ENTRY_BYTES = 256 * 1024


class NearCache:
    def __init__(
        self,
        *,
        max_entries: int = MAX_ENTRIES,
        max_bytes: int = MAX_BYTES,
        max_entry_bytes: int = MAX_ENTRY_BYTES,
    ) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.max_entry_bytes = max_entry_bytes
        self._entries: OrderedDict[str, tuple[float, bytes]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()  # gthread workers serve several requests at once

    def get(self, key: str):
        """The value kept under `key` (a fresh copy), or MISSING."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return MISSING
            expires, data = entry
            if expires < time.monotonic():
                self._drop(key)
                return MISSING
            self._entries.move_to_end(key)
        return pickle.loads(data)  # noqa: S301 - written by this process, below

    def set(self, key: str, value, timeout: float | None) -> None:
        try:
            data = pickle.dumps(value, pickle.HIGHEST_PROTOCOL)
        except Exception:  # noqa: BLE001 - not picklable: not kept here
            return
        if len(data) > self.max_entry_bytes:
            return
        expires = time.monotonic() + (timeout if timeout is not None else 24 * 60 * 60)
        with self._lock:
            if key in self._entries:
                self._drop(key)
            self._entries[key] = (expires, data)
            self._bytes += len(data)
            while self._entries and (
                len(self._entries) > self.max_entries or self._bytes > self.max_bytes
            ):
                self._drop(next(iter(self._entries)))

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0

    def __len__(self) -> int:
        return len(self._entries)

    def _drop(self, key: str) -> None:
        _expires, data = self._entries.pop(key)
        self._bytes -= len(data)


near = NearCache()
