"""A token per learner that changes whenever their progress changes.

What counts as progress here is what a trainer's cohort page shows of a trainee: their
enrolments (joined, left, completed), their item progress (opened, completed) and their
quiz attempts (started, saved, finished). Whatever is cached from
those rows is kept under the learners' tokens (cohorts.selectors keeps a cohort's progress
matrix under its trainees' tokens): a change makes it stale at once, and stale entries
simply expire.

`progress_changed` is called by the code that writes those rows: courses.services (enrol,
leave, opening and completing an item, completing a course, issuing its certificate), the
cohorts' bulk enrolment (cohorts.invitations, `progress_changed_many`), and a receiver on quiz
attempts (cohorts.signals). Each renews the token at once (this request, and tests, read
their own writes) and again when the transaction commits (an entry built meanwhile from
the rows before the change is dropped too). Tokens are training_site.content_cache's:
random, never reused; when the cache does not answer, nothing is cached.
"""

from __future__ import annotations

from collections.abc import Iterable

from training_site.content_cache import (
    kept_data_under_token,
    kept_under_token,
    tokens,
    tokens_changed,
)

KEY = "learner-progress:{user_id}"


def progress_key(user_id: int) -> str:
    return KEY.format(user_id=user_id)


def progress_changed_many(user_ids: Iterable[int]) -> None:
    """These learners' progress changed (or is about to, in this transaction)."""
    tokens_changed(progress_key(user_id) for user_id in user_ids)


def progress_changed(user_id: int) -> None:
    """This learner's progress changed (or is about to, in this transaction)."""
    progress_changed_many([user_id])


def progress_tokens(user_ids: Iterable[int]) -> dict[int, str] | None:
    """Each learner's token, or None when the cache does not answer (nothing is cached)."""
    keys = {user_id: progress_key(user_id) for user_id in user_ids}
    found = tokens(keys.values())
    return None if found is None else {user_id: found[key] for user_id, key in keys.items()}


def kept_for_learner(user_id: int, name: str, *parts: object, build, timeout: int):
    """`build()`, kept under the learner's progress token and the content token (what a
    page shows of their own progress); built every time while the cache does not answer."""
    return kept_under_token(
        progress_key(user_id), name, user_id, *parts, build=build, timeout=timeout
    )


def kept_data_for_learner(user_id: int, name: str, *parts: object, build, timeout: int):
    """`build()`, kept under the learner's progress token and the release, not the content
    token (training_site.content_cache.kept_data_under_token): for their own rows (ids,
    dates, states) that a publish does not change."""
    return kept_data_under_token(
        progress_key(user_id), name, user_id, *parts, build=build, timeout=timeout
    )
