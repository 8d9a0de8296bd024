"""Each learner's progress token (courses.progress_versions): what changes it, what does not,
and a cache that does not answer.

Every write of the services that a trainer's cohort page shows (enrolling, leaving, opening
an item, completing one, completing the course, its certificate) renews the token at once
and again when its transaction commits. Each test below fails if its call is removed.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import transaction

from courses import progress_versions, services
from courses.models import Enrolment, ItemProgress
from courses.progress_versions import progress_changed, progress_changed_many, progress_tokens
from tests.devices import CacheDown
from training_site import content_cache
from training_site.content_cache import TokenRenewal

pytestmark = pytest.mark.django_db


def token(user) -> str:
    return progress_tokens([user.pk])[user.pk]


def commit_pending() -> None:
    """Run the renewal the fixtures' own writes left waiting for the test's commit (a user
    saved renews their user-row token: accounts.kept_user), as their commit would have."""
    connection = transaction.get_connection()
    for entry in [e for e in connection.run_on_commit if isinstance(e[1], TokenRenewal)]:
        connection.run_on_commit.remove(entry)
        entry[1]()


def test_a_token_is_kept_until_the_progress_changes(learner, other_learner):
    first = progress_tokens([learner.pk, other_learner.pk])
    assert first == progress_tokens([learner.pk, other_learner.pk])
    assert first[learner.pk] != first[other_learner.pk]
    progress_changed(learner.pk)
    again = progress_tokens([learner.pk, other_learner.pk])
    assert again[learner.pk] != first[learner.pk]
    assert again[other_learner.pk] == first[other_learner.pk]


def test_many_tokens_are_renewed_in_one_round_trip(learner, other_learner, monkeypatch):
    before = progress_tokens([learner.pk, other_learner.pk])
    calls = []

    class Spy:
        def __getattr__(self, name):
            calls.append(name)
            return getattr(cache, name)

    monkeypatch.setattr(content_cache, "cache", Spy())
    progress_changed_many([learner.pk, other_learner.pk, learner.pk])
    assert calls == ["set_many"]
    monkeypatch.undo()
    after = progress_tokens([learner.pk, other_learner.pk])
    assert all(after[pk] != before[pk] for pk in before)


def test_a_change_inside_a_transaction_renews_again_on_commit(
    learner, django_capture_on_commit_callbacks
):
    commit_pending()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        progress_changed(learner.pk)
        renewed_at_once = token(learner)
    assert len(callbacks) == 1
    assert token(learner) != renewed_at_once  # a view between the two cannot keep stale rows


def test_one_renewal_waits_for_the_commit_however_many_changes(
    learner, other_learner, django_capture_on_commit_callbacks
):
    commit_pending()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        progress_changed(learner.pk)
        progress_changed(learner.pk)
        progress_changed_many([other_learner.pk])
        during = progress_tokens([learner.pk, other_learner.pk])
    assert len(callbacks) == 1
    after = progress_tokens([learner.pk, other_learner.pk])
    assert all(after[pk] != during[pk] for pk in during)  # both renewed on commit


def test_a_savepoint_rolled_back_does_not_lose_the_renewal(
    learner, django_capture_on_commit_callbacks
):
    commit_pending()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                progress_changed(learner.pk)  # its callback is dropped with the savepoint
                raise RuntimeError
        except RuntimeError:
            pass
        progress_changed(learner.pk)
        during = token(learner)
    assert len(callbacks) == 1
    assert token(learner) != during


def test_without_a_cache_there_is_no_token_and_no_error(learner, monkeypatch):
    monkeypatch.setattr(content_cache, "cache", CacheDown())
    progress_changed(learner.pk)  # logged, never raised
    progress_changed_many([learner.pk])
    assert progress_tokens([learner.pk]) is None


# --- the services that renew it ---------------------------------------------------------------


def test_enrolling_renews_the_token_once(learner, small, now):
    before = token(learner)
    services.enrol(user=learner, course=small.course, now=now)
    enrolled = token(learner)
    assert enrolled != before
    services.enrol(user=learner, course=small.course, now=now)  # nothing changed
    assert token(learner) == enrolled


def test_leaving_and_coming_back_renew_the_token(learner, small, now):
    services.enrol(user=learner, course=small.course, now=now)
    before = token(learner)
    services.leave(user=learner, course=small.course, now=now + timedelta(days=1))
    left = token(learner)
    assert left != before
    services.leave(user=learner, course=small.course, now=now + timedelta(days=2))
    assert token(learner) == left  # already left: nothing changed
    services.enrol(user=learner, course=small.course, now=now + timedelta(days=3))
    assert token(learner) != left


def test_opening_an_item_renews_the_token_the_first_time_only(learner, small, now):
    lesson = small.all_lessons[0]
    before = token(learner)
    services.start_item(user=learner, page=lesson, now=now)
    opened = token(learner)
    assert opened != before
    services.start_item(user=learner, page=lesson, now=now + timedelta(hours=1))
    assert token(learner) == opened  # a return visit changes nothing a trainer sees


def test_completing_an_item_renews_the_token(learner, small, now):
    lesson = small.all_lessons[0]
    services.enrol(user=learner, course=small.course, now=now)
    services.start_item(user=learner, page=lesson, now=now)
    before = token(learner)
    services.complete_item(user=learner, page=lesson, now=now + timedelta(minutes=5))
    assert token(learner) != before


def test_completing_the_course_renews_the_token(learner, small, now):
    enrolment = services.enrol(user=learner, course=small.course, now=now)
    ItemProgress.objects.bulk_create(  # every item done, the course not yet recorded
        ItemProgress(user=learner, page=lesson, started_at=now, completed_at=now)
        for lesson in small.all_lessons
    )
    before = token(learner)
    assert services.complete_course_if_done(enrolment_id=enrolment.pk, now=now)
    assert token(learner) != before


def test_issuing_a_certificate_renews_the_token(learner, small, now, media_root):
    enrolment = services.enrol(user=learner, course=small.course, now=now)
    Enrolment.objects.filter(pk=enrolment.pk).update(completed_at=now)
    before = token(learner)
    services.issue_certificate(enrolment_id=enrolment.pk, now=now)
    assert token(learner) != before


def test_the_key_is_the_learners_own(learner):
    assert progress_versions.progress_key(learner.pk) == f"learner-progress:{learner.pk}"
