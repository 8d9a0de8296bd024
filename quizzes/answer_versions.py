"""A token per learner that changes whenever their graded answers change.

Mastery reports (quizzes.reports) are kept in the cache under the learner's token: a
trainer's cohort page reads a hundred trainees' reports in one cache round trip instead of
regrading every answer they ever gave. `answers_changed` is called by the only code that
grades answers, `quizzes.attempts._finish` (at once, and again after commit). Tokens are
training_site.content_cache's: random, never reused.
"""

from __future__ import annotations

from collections.abc import Iterable

from training_site.content_cache import tokens, tokens_changed

KEY = "learner-answers:{user_id}"


def answers_changed(user_id: int) -> None:
    """This learner's answers changed (or are about to, in this transaction): their kept
    mastery reports are stale, now (this request reads its own writes) and again on commit
    (a report computed meanwhile from the rows before the change is dropped too)."""
    tokens_changed([KEY.format(user_id=user_id)])


def answer_tokens(user_ids: Iterable[int]) -> dict[int, str] | None:
    """Each learner's token, or None when the cache does not answer (nothing is cached)."""
    keys = {user_id: KEY.format(user_id=user_id) for user_id in user_ids}
    found = tokens(keys.values())
    return None if found is None else {user_id: found[key] for user_id, key in keys.items()}


# The learner's attempts at any quiz: renewed whenever one is saved or deleted (a signal
# receiver, quizzes.apps), so the quiz page can keep the list it shows.
ATTEMPTS_KEY = "learner-attempts:{user_id}"


def attempts_changed(sender, instance, **kwargs) -> None:
    """Signal receiver (post_save, post_delete of Attempt): now and after commit."""
    tokens_changed([ATTEMPTS_KEY.format(user_id=instance.user_id)])
