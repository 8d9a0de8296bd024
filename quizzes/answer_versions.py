"""A token per learner that changes whenever their graded answers change.

Mastery reports (quizzes.reports) are kept in the cache under the learner's token: a
trainer's cohort page reads a hundred trainees' reports in one cache round trip instead of
regrading every answer they ever gave. `answers_changed` is called (after commit) by the
only code that grades answers, `quizzes.attempts._finish`. A token is random and never
reused, so a token evicted from the cache cannot bring back a report computed under an
older one.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable

from django.core.cache import cache

logger = logging.getLogger(__name__)

KEY = "learner-answers:{user_id}"


def answers_changed(user_id: int) -> None:
    try:
        cache.set(KEY.format(user_id=user_id), uuid.uuid4().hex, None)
    except Exception:
        # Unreachable cache: it cannot serve a stale report while it is down, and the
        # reports it held expire (TIMEOUT in quizzes.reports).
        logger.exception("The cache did not answer: mastery reports may be stale.")


def tokens(user_ids: Iterable[int]) -> dict[int, str] | None:
    """Each learner's token (new ones for learners without one), or None when the cache
    does not answer (then nothing is cached)."""
    user_ids = list(user_ids)
    keys = {user_id: KEY.format(user_id=user_id) for user_id in user_ids}
    try:
        found = cache.get_many(list(keys.values()))
        new = {keys[u]: uuid.uuid4().hex for u in user_ids if keys[u] not in found}
        for key, token in new.items():
            if not cache.add(key, token, None):  # someone else set one meanwhile
                found[key] = cache.get(key) or token
            else:
                found[key] = token
    except Exception:
        logger.warning("The cache did not answer: mastery computed from the database.")
        return None
    return {user_id: found[keys[user_id]] for user_id in user_ids}
