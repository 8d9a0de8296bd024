"""The cohort page keeps what it shows of its trainees in the cache (cohorts.selectors
.kept_matrix) under each trainee's progress and answers tokens: a trainer never sees a stale
figure. Whatever a trainee does (a lesson opened or completed, a quiz started or finished,
joining, leaving), whatever an editor changes in the course, and whatever the date makes of
the figures (behind, inactive) shows on the next view; only the trainees who changed are
read again; and the page is right when the cache does not answer."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cohorts import selectors
from cohorts.models import Membership
from courses import services
from framework_content.models import LessonPage
from tests.quizzes.test_mastery_dashboard import tables

from .conftest import add_member, make_user
from .test_selectors import add_quiz, take

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_cache():
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def quiz(small):
    return add_quiz(small.modules[0])


@pytest.fixture
def jorge(cohort):
    user = make_user("jorge@example.org", "Jorge Pérez")
    add_member(cohort, user)
    return user


def page(client, cohort) -> str:
    response = client.get(f"/trainer/cohorts/{cohort.pk}/")
    assert response.status_code == 200
    return response.text


def rows(html: str) -> dict[str, list[str]]:
    """Each trainee's row of the matrix, by the trainee's name."""
    return {row[0].split(" ", 2)[0]: row for row in tables(html)["progress-matrix"][1:]}


def mastery(html: str) -> list[list[str]]:
    return tables(html)["cohort-mastery-indicators"][1:]


@pytest.fixture
def seen(cohort, trainer, client_for, jorge, quiz):
    """The trainer has opened the cohort page once: it is kept."""
    client = client_for(trainer)
    page(client, cohort)
    return client


def test_a_completed_lesson_shows_on_the_next_view(seen, cohort, small, trainee):
    services.start_item(user=trainee, page=small.lessons[0][0], now=timezone.now())
    assert rows(page(seen, cohort))["Amina"][4].startswith("0/3")  # opened, not done
    services.complete_item(user=trainee, page=small.lessons[0][0], now=timezone.now())
    assert rows(page(seen, cohort))["Amina"][4].startswith("1/3")


def test_an_opened_lesson_is_activity_at_once(seen, cohort, small, trainee):
    assert rows(page(seen, cohort))["Amina"][3] == "never"
    services.start_item(user=trainee, page=small.lessons[0][0], now=timezone.now())
    assert rows(page(seen, cohort))["Amina"][3] == timezone.localdate().strftime("%-d %b %Y")


def test_a_quiz_started_then_finished_shows_at_once(seen, cohort, trainee, quiz):
    assert "Not attempted" in rows(page(seen, cohort))["Amina"][4]
    take(trainee, quiz, right=0, finish=False)
    assert "In progress" in rows(page(seen, cohort))["Amina"][4]
    take(trainee, quiz, right=3)  # the same attempt, answered and submitted
    assert "100% · Passed · 1 attempt" in rows(page(seen, cohort))["Amina"][4]
    take(trainee, quiz, right=0)
    assert "100% · Passed · 2 attempts" in rows(page(seen, cohort))["Amina"][4]


def test_the_cohort_mastery_follows_a_finished_attempt(seen, cohort, trainee, jorge, quiz):
    html = page(seen, cohort)
    assert "cohort-mastery-indicators" not in tables(html)  # no evidence yet
    take(trainee, quiz, right=3)
    before = mastery(page(seen, cohort))
    take(jorge, quiz, right=0)
    after = mastery(page(seen, cohort))
    assert before != after


def test_a_trainee_who_joins_or_leaves_the_cohort_shows_at_once(seen, cohort, jorge):
    assert set(rows(page(seen, cohort))) == {"Amina", "Jorge"}
    zoe = make_user("zoe@example.org", "Zoé Zimmer")
    add_member(cohort, zoe)
    assert set(rows(page(seen, cohort))) == {"Amina", "Jorge", "Zoé"}
    Membership.objects.filter(cohort=cohort, user=jorge).delete()
    assert set(rows(page(seen, cohort))) == {"Amina", "Zoé"}


def test_a_renamed_trainee_shows_the_new_name(seen, cohort, jorge):
    jorge.full_name = "Jorge Pereira"
    jorge.save()
    assert rows(page(seen, cohort))["Jorge"][0].startswith("Jorge Pereira")


def test_a_lesson_published_in_the_course_changes_every_total(seen, cohort, small, trainee):
    services.complete_item(user=trainee, page=small.lessons[1][0], now=timezone.now())
    assert rows(page(seen, cohort))["Amina"][5] == "1/2"
    small.modules[1].add_child(instance=LessonPage(title="B3", slug="b3"))
    assert rows(page(seen, cohort))["Amina"][5] == "1/3"
    assert rows(page(seen, cohort))["Jorge"][5] == "0/3"


def test_the_flags_of_the_day_are_worked_out_on_each_view(seen, cohort):
    # Day 11 of 21: 52 % expected, and Amina has done nothing.
    assert rows(page(seen, cohort))["Amina"][2] == "Not started Behind Inactive"
    today = timezone.localdate()
    cohort.starts_on, cohort.ends_on = today + timedelta(days=1), today + timedelta(days=30)
    cohort.save()
    status = rows(page(seen, cohort))["Amina"][2]
    assert status == "Not started"  # the cohort has not begun: nothing is due yet


def test_only_the_trainees_who_changed_are_read_again(
    seen, cohort, small, trainee, jorge, monkeypatch
):
    read: list[list[int]] = []
    facts = selectors._facts

    def spy(cohort, item_ids, user_ids, **kwargs):
        read.append(sorted(user_ids))
        return facts(cohort, item_ids, user_ids, **kwargs)

    monkeypatch.setattr(selectors, "_facts", spy)
    page(seen, cohort)
    assert read == []  # nothing changed: nothing read
    services.complete_item(user=jorge, page=small.lessons[0][0], now=timezone.now())
    page(seen, cohort)
    assert read == [[jorge.pk]]


def test_a_view_of_an_unchanged_cohort_reads_fewer_queries(cohort, trainer, client_for, jorge):
    client = client_for(trainer)
    with CaptureQueriesContext(connection) as cold:
        page(client, cohort)
    with CaptureQueriesContext(connection) as warm:
        page(client, cohort)
    assert len(warm) < len(cold)
    sql = " ".join(query["sql"] for query in warm.captured_queries)
    assert "courses_itemprogress" not in sql and "quizzes_attempt" not in sql


def test_without_a_cache_every_view_reads_the_database(
    cohort, trainer, client_for, small, trainee, jorge, quiz, monkeypatch
):
    monkeypatch.setattr(selectors, "tokens", lambda keys: None)
    client = client_for(trainer)
    assert rows(page(client, cohort))["Amina"][4].startswith("0/3")
    services.complete_item(user=trainee, page=small.lessons[0][0], now=timezone.now())
    assert rows(page(client, cohort))["Amina"][4].startswith("1/3")
    # Nor is the markup of the quiz table and the mastery kept (no key to keep it under).
    assert "cohort-mastery-indicators" not in tables(page(client, cohort))
    take(trainee, quiz, right=3)
    assert mastery(page(client, cohort))
