"""The cohort page does not grow its queries with its data: the same count for 2 trainees ×
2 modules (1 quiz, 2 attempts) as for 100 trainees × 20 modules (5 quizzes, 1,000 attempts
with their answers), for the matrix alone, the whole page and a quiz's statistics.

The large data is written with bulk_create (users, memberships, enrolments, item progress,
attempts and their questions), so the test stays quick.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import User
from cohorts import selectors
from cohorts.models import Cohort, Membership, MembershipSource
from courses.choices import EnrolmentSource
from courses.models import Enrolment, ItemProgress
from framework_content.models import Indicator
from quizzes.choices import AttemptState, FinishReason
from quizzes.models import Attempt, AttemptQuestion
from tests.courses.conftest import make_course, make_module
from tests.quizzes.builders import make_question, make_quiz

from .conftest import make_cohort

pytestmark = pytest.mark.django_db

ELEMENTS = ["P1", "P2", "P3", "O1", "O2", "O3"]

# Measured with warm caches, on SQLite and PostgreSQL alike: the matrix 9, the cohort page
# 10, a quiz's statistics 18 at both sizes (the rest is the session, the user, two-factor and
# permission checks, the cohort and its trainers). The cohort page reads its trainees and
# keeps the rest in the cache until one of them changes (cohorts.selectors.kept_matrix; 15
# when nothing is kept, see tests/cohorts/test_matrix_cache.py). The bounds leave a little
# room for unrelated changes (middleware, base template); the equality between sizes is the
# check.
MAX_QUERIES = {"matrix": 10, "page": 13, "quiz": 21}


@dataclass
class Dataset:
    cohort: Cohort
    quizzes: list
    users: list


def _attempts(users, quizzes, indicator_ids, *, number: int, now) -> None:
    """One finished attempt per user per quiz, 3 answers each, scores varying by user."""
    made = Attempt.objects.bulk_create(
        Attempt(
            user=user,
            quiz=quiz,
            number=number,
            state=AttemptState.FINISHED,
            started_at=now - timedelta(minutes=30),
            finished_at=now - timedelta(minutes=10),
            finish_reason=FinishReason.SUBMITTED,
            score=Decimal((i + number) % 4),
            max_score=Decimal(3),
            percent=Decimal(100 * ((i + number) % 4) // 3),
            pass_mark=70,
            passed=(i + number) % 4 == 3,
        )
        for i, user in enumerate(users)
        for quiz in quizzes
    )
    AttemptQuestion.objects.bulk_create(
        AttemptQuestion(
            attempt=attempt,
            position=position,
            question=None,
            snapshot={
                "title": f"Question {position}",
                "kind": "single_choice",
                "indicator_ids": indicator_ids[position % len(indicator_ids) :],
                "choices": [
                    {"key": "a", "text": "Right", "correct": True},
                    {"key": "b", "text": "Wrong", "correct": False},
                ],
            },
            answer="a" if position <= attempt.score else "b",
            score=Decimal(1 if position <= attempt.score else 0),
            max_score=Decimal(1),
        )
        for attempt in made
        for position in (1, 2, 3)
    )


def build(course_index, trainer, *, name, modules, quizzes, trainees, retakes=0) -> Dataset:
    now = timezone.now()
    question = make_question(title=f"{name} question")
    made_modules, lessons, made_quizzes = [], [], []
    for m in range(modules):
        module, items = make_module(ELEMENTS[m % len(ELEMENTS)], f"{name} {m}", lessons=1)
        made_modules.append(module)
        lessons.extend(items)
        if m < quizzes:
            made_quizzes.append(make_quiz(module, [question], title=f"{name} quiz {m}"))
    course = make_course(course_index, f"{name} course", made_modules)
    cohort = make_cohort(course, [trainer], name=name)
    users = User.objects.bulk_create(
        User(email=f"{name}{i}@example.org", full_name=f"{name.title()} {i:03}", password="!")
        for i in range(trainees)
    )
    Membership.objects.bulk_create(
        Membership(cohort=cohort, user=user, source=MembershipSource.CODE, joined_at=now)
        for user in users
    )
    Enrolment.objects.bulk_create(
        Enrolment(user=user, course=course, enrolled_at=now, source=EnrolmentSource.COHORT)
        for user in users
    )
    ItemProgress.objects.bulk_create(
        ItemProgress(user=user, page=lesson, started_at=now, completed_at=now)
        for i, user in enumerate(users)
        for lesson in lessons[: i % (len(lessons) + 1)]
    )
    indicator_ids = list(Indicator.objects.order_by("pk").values_list("pk", flat=True)[:4])
    for number in range(1, retakes + 2):
        _attempts(users, made_quizzes, indicator_ids, number=number, now=now)
    return Dataset(cohort, made_quizzes, users)


@pytest.fixture(autouse=True)
def roomy_cache(settings):
    """Production's cache (Redis) keeps what it is given; the tests' in-memory cache drops a
    third of its entries once it holds 300, and a cohort of 100 trainees reads 200 tokens
    (each trainee's progress and answers) and keeps 200 entries more (their facts and
    mastery): "warm" would not stay warm."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "OPTIONS": {"MAX_ENTRIES": 10_000},
        }
    }


@pytest.fixture
def sizes(course_index, trainer):
    return {
        "small": build(course_index, trainer, name="small", modules=2, quizzes=1, trainees=2),
        "large": build(
            course_index, trainer, name="large", modules=20, quizzes=5, trainees=100, retakes=1
        ),
    }


def count(fn) -> int:
    fn()  # warm the caches (content types, site root paths)
    with CaptureQueriesContext(connection) as queries:
        fn()
    return len(queries)


def page(client, url):
    def get():
        response = client.get(url)
        assert response.status_code == 200
        return response

    return get


def test_the_large_data_is_what_it_says(sizes):
    large = sizes["large"]
    matrix = selectors.progress_matrix(large.cohort)
    assert (len(matrix.rows), len(matrix.modules), len(matrix.quizzes)) == (100, 20, 5)
    assert Attempt.objects.filter(user__in=large.users).count() == 1000
    assert {row.progress.done for row in matrix.rows} >= {0, 10, 20}


def test_the_matrix_takes_the_same_queries_at_both_sizes(sizes):
    small = count(lambda: selectors.progress_matrix(sizes["small"].cohort))
    large = count(lambda: selectors.progress_matrix(sizes["large"].cohort))
    assert small == large, f"{small} queries for the small cohort, {large} for the large one"
    assert large <= MAX_QUERIES["matrix"]


def test_the_cohort_page_takes_the_same_queries_at_both_sizes(sizes, trainer, client_for):
    client = client_for(trainer)
    small = count(page(client, f"/trainer/cohorts/{sizes['small'].cohort.pk}/"))
    large_url = f"/trainer/cohorts/{sizes['large'].cohort.pk}/"
    large = count(page(client, large_url))
    assert small == large, f"{small} queries for the small cohort, {large} for the large one"
    assert large <= MAX_QUERIES["page"]
    # Sorted and filtered: the same queries again.
    assert count(page(client, large_url + "?sort=activity&order=desc&status=behind")) == large
    html = client.get(large_url).text
    assert html.count('<th scope="row" class="matrix-trainee">') == 100


def test_more_attempts_do_not_add_queries(sizes, trainer, client_for):
    data = sizes["small"]
    client = client_for(trainer)
    url = f"/trainer/cohorts/{data.cohort.pk}/"
    before = count(page(client, url))
    indicator_ids = list(Indicator.objects.order_by("-pk").values_list("pk", flat=True)[:6])
    for number in (2, 3, 4):
        _attempts(data.users, data.quizzes, indicator_ids, number=number, now=timezone.now())
    assert count(page(client, url)) == before


def test_a_quizs_statistics_take_the_same_queries_at_both_sizes(sizes, trainer, client_for):
    client = client_for(trainer)

    def url(data):
        return f"/trainer/cohorts/{data.cohort.pk}/quizzes/{data.quizzes[0].pk}/?attempts=all"

    small = count(page(client, url(sizes["small"])))
    large = count(page(client, url(sizes["large"])))
    assert small == large, f"{small} queries for the small cohort, {large} for the large one"
    assert large <= MAX_QUERIES["quiz"]


def test_the_export_tables_take_the_same_queries_at_both_sizes(sizes):
    small = count(lambda: selectors.matrix_export_tables(sizes["small"].cohort))
    large = count(lambda: selectors.matrix_export_tables(sizes["large"].cohort))
    assert small == large
    tables = selectors.matrix_export_tables(sizes["large"].cohort)
    assert len(tables[0].rows) == 100
    assert len(tables[0].header) == 7 + 20 + 5
