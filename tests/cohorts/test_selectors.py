"""The cohort page's reads: the progress matrix (items done, quiz scores, behind and
inactive), sorting and filtering it, the cohort's quizzes, its pooled mastery, one quiz's
statistics over the cohort, and the export tables.

The course is the small one of tests/cohorts/conftest.py (modules A and B, 2 lessons each)
with, where a test needs it, a quiz of three single-choice questions added to module A:
q1 and q2 on indicator EIU16-1.1, q3 on EIU16-1.1 and EIU16-2.1 (another domain).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.utils import timezone

from cohorts import selectors
from cohorts.selectors import (
    MatrixQuery,
    Order,
    QuizState,
    SortKey,
    Status,
    StatusFilter,
    apply_matrix_query,
    parse_matrix_query,
    pool_mastery,
)
from courses import services
from courses.progress import Fraction
from framework_content.models import Indicator
from quizzes import attempts, reports
from quizzes.mastery import Mastery, MasteryReport
from tests.quizzes.builders import make_module as make_quiz_module
from tests.quizzes.builders import make_question, make_quiz

from .conftest import add_member, make_cohort, make_user

A, B = "EIU16-1.1", "EIU16-2.1"


# --- builders shared with the page tests ------------------------------------------------------


def add_quiz(module, *, title: str = "Check yourself", pass_mark: int = 70):
    """Three single-choice questions (1 point each): q1, q2 on A; q3 on A and B."""
    a, b = Indicator.objects.get(ref_id=A), Indicator.objects.get(ref_id=B)
    questions = [
        make_question(title=f"{title} q1", indicators=[a]),
        make_question(title=f"{title} q2", indicators=[a]),
        make_question(title=f"{title} q3", indicators=[a, b]),
    ]
    return make_quiz(module, questions, shuffle_choices=False, title=title, pass_mark=pass_mark)


def take(user, quiz, *, right: int, now: datetime | None = None, finish: bool = True):
    """An attempt answering the first `right` questions right and the others wrong."""
    now = now or timezone.now()
    attempt = attempts.start_attempt(user=user, quiz=quiz, now=now)
    if not finish:
        return attempt
    answers = {}
    for n, item in enumerate(sorted(attempt.items.all(), key=lambda i: i.position)):
        wanted = n < right
        answers[item.position] = next(
            c["key"] for c in item.snapshot["choices"] if c["correct"] == wanted
        )
    return attempts.submit_attempt(
        attempt_id=attempt.pk, user=user, answers=answers, now=now + timedelta(minutes=5)
    )


@pytest.fixture
def quiz(small):
    return add_quiz(small.modules[0])


# --- pure: parsing the sort and filter --------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, MatrixQuery()),
        ({"sort": "", "order": "", "status": "", "q": ""}, MatrixQuery()),
        (
            {"sort": "progress", "order": "desc", "status": "behind"},
            MatrixQuery(SortKey.PROGRESS, Order.DESC, StatusFilter.BEHIND),
        ),
        ({"sort": "activity"}, MatrixQuery(sort=SortKey.ACTIVITY)),
        ({"status": "not_started"}, MatrixQuery(status=StatusFilter.NOT_STARTED)),
        ({"q": "  Amina   Diallo "}, MatrixQuery(search="Amina Diallo")),
        ({"sort": "salary"}, MatrixQuery(ignored=(("sort", "salary"),))),
        (
            {"sort": "name", "order": "sideways", "status": "asleep"},
            MatrixQuery(ignored=(("order", "sideways"), ("status", "asleep"))),
        ),
    ],
)
def test_the_sort_and_filter_are_read_from_the_query_string(params, expected):
    assert parse_matrix_query(params) == expected


def test_a_long_search_or_bad_value_is_cut_short():
    query = parse_matrix_query({"q": "x" * 500, "sort": "y" * 500})
    assert len(query.search) == selectors.SEARCH_MAX_LENGTH
    assert query.ignored == (("sort", "y" * 40),)


@pytest.mark.parametrize(
    ("query", "key", "aria", "next_order"),
    [
        (MatrixQuery(), SortKey.NAME, "ascending", Order.DESC),
        (MatrixQuery(order=Order.DESC), SortKey.NAME, "descending", Order.ASC),
        (MatrixQuery(), SortKey.PROGRESS, "", Order.ASC),
        (MatrixQuery(sort=SortKey.PROGRESS, order=Order.DESC), SortKey.NAME, "", Order.ASC),
    ],
)
def test_column_headers_announce_and_toggle_the_sort(query, key, aria, next_order):
    assert query.aria_sort(key) == aria
    assert query.next_order(key) == next_order


# --- pure: sorting and filtering rows ---------------------------------------------------------

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def row(name, email, percent=0, last=None, *, behind=False, inactive=False, complete=False):
    user = SimpleNamespace(full_name=name, email=email)
    return selectors.Row(
        membership=SimpleNamespace(user=user),
        enrolment=None,
        progress=Fraction(done=percent, total=100),
        cells=[],
        last_activity=last,
        behind=behind,
        inactive=inactive,
        complete=complete,
    )


ROWS = [
    row("Amina Diallo", "amina@example.org", 50, T0, behind=True),
    row("Jorge Pérez", "jorge@example.org", 100, T0 + timedelta(days=2), complete=True),
    row("", "zoe@example.org", 0, None, behind=True, inactive=True),
    row("Bea Ortiz", "bea@example.org", 50, T0 - timedelta(days=9), inactive=True),
]


def names(rows):
    return [r.user.full_name or r.user.email for r in rows]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (MatrixQuery(), ["Amina Diallo", "Bea Ortiz", "Jorge Pérez", "zoe@example.org"]),
        (
            MatrixQuery(order=Order.DESC),
            ["zoe@example.org", "Jorge Pérez", "Bea Ortiz", "Amina Diallo"],
        ),
        # Ties (Amina and Bea at 50 %) keep name order in both directions.
        (
            MatrixQuery(sort=SortKey.PROGRESS),
            ["zoe@example.org", "Amina Diallo", "Bea Ortiz", "Jorge Pérez"],
        ),
        (
            MatrixQuery(sort=SortKey.PROGRESS, order=Order.DESC),
            ["Jorge Pérez", "Amina Diallo", "Bea Ortiz", "zoe@example.org"],
        ),
        # "Never" is the oldest activity.
        (
            MatrixQuery(sort=SortKey.ACTIVITY),
            ["zoe@example.org", "Bea Ortiz", "Amina Diallo", "Jorge Pérez"],
        ),
        (
            MatrixQuery(sort=SortKey.ACTIVITY, order=Order.DESC),
            ["Jorge Pérez", "Amina Diallo", "Bea Ortiz", "zoe@example.org"],
        ),
        (MatrixQuery(status=StatusFilter.BEHIND), ["Amina Diallo", "zoe@example.org"]),
        (MatrixQuery(status=StatusFilter.INACTIVE), ["Bea Ortiz", "zoe@example.org"]),
        (MatrixQuery(status=StatusFilter.COMPLETED), ["Jorge Pérez"]),
        (MatrixQuery(status=StatusFilter.NOT_STARTED), ["zoe@example.org"]),
        # Search: name or e-mail, case and accents ignored.
        (MatrixQuery(search="PEREZ"), ["Jorge Pérez"]),
        (MatrixQuery(search="zoe@"), ["zoe@example.org"]),
        (MatrixQuery(search="example.org", status=StatusFilter.INACTIVE), names(ROWS[3:1:-1])),
        (MatrixQuery(search="nobody"), []),
    ],
)
def test_rows_are_sorted_and_filtered_as_asked(query, expected):
    assert names(apply_matrix_query(ROWS, query)) == expected


def test_each_row_carries_its_statuses_in_words():
    assert [r.statuses for r in ROWS] == [
        (Status.BEHIND,),
        (Status.COMPLETED,),
        (Status.NOT_STARTED, Status.BEHIND, Status.INACTIVE),
        (Status.INACTIVE,),
    ]
    assert row("On", "on@example.org", 60, T0).status_labels == [("on_track", "On track")]


# --- pure: pooling mastery --------------------------------------------------------------------


def m(pk, percent, questions):
    from quizzes.mastery import level_for

    return Mastery(pk, questions, 0.0, 1.0, percent, level_for(percent, questions), percent < 80)


def test_mastery_is_pooled_as_trainees_per_level_and_a_mean_rounded_down():
    by_user = {
        1: MasteryReport(indicators=(m(10, 100, 3), m(11, 0, 1)), domains=(m(7, 80, 4),)),
        2: MasteryReport(indicators=(m(10, 66, 3),), domains=(m(7, 66, 3),)),
        3: MasteryReport(indicators=(m(10, 20, 5),)),
    }
    indicators, domains = pool_mastery(by_user, trainees=5)
    ten = indicators[10]
    assert (ten.mastered, ten.developing, ten.needs_work, ten.not_enough_evidence) == (1, 1, 1, 0)
    assert (ten.assessed, ten.not_assessed, ten.mean_percent) == (3, 2, 62)  # 186 // 3
    eleven = indicators[11]
    assert (eleven.not_enough_evidence, eleven.assessed, eleven.mean_percent) == (1, 1, 0)
    assert (domains[7].mastered, domains[7].developing, domains[7].mean_percent) == (1, 1, 73)
    # The chart: one segment per level present, side by side, over the whole cohort.
    assert [(s.level, s.count, s.x, s.width) for s in ten.segments] == [
        ("mastered", 1, "0.00", "20.00"),
        ("developing", 1, "20.00", "20.00"),
        ("needs_work", 1, "40.00", "20.00"),
    ]


# --- the matrix from the database -------------------------------------------------------------


@pytest.fixture
def people(cohort, trainee):
    """Amina (the fixture's trainee) and Jorge, both in the cohort; Omar in no cohort."""
    jorge = make_user("jorge@example.org", "Jorge Pérez", country="EC", organisation="MREMH")
    add_member(cohort, jorge)
    outsider = make_user("omar.out@example.org", "Omar Outsider")
    return SimpleNamespace(amina=trainee, jorge=jorge, outsider=outsider)


def test_a_completed_lesson_and_a_finished_quiz_show_in_their_module(small, cohort, people, quiz):
    now = timezone.now()
    services.complete_item(user=people.amina, page=small.lessons[0][0], now=now)
    take(people.amina, quiz, right=2, now=now)  # 66.6 %: not passed (70)
    take(people.amina, quiz, right=3, now=now + timedelta(hours=1))  # 100 %: passed
    take(people.jorge, quiz, right=1, now=now, finish=False)  # started only

    matrix = selectors.progress_matrix(cohort, now=now + timedelta(hours=2))
    amina, jorge = matrix.rows  # name order
    assert amina.user == people.amina
    first, second = amina.cells
    # Module A: 2 lessons and the quiz; the lesson and the passed quiz are done.
    assert (first.progress.done, first.progress.total) == (2, 3)
    assert (second.progress.done, second.progress.total) == (0, 2)
    (score,) = first.quizzes
    assert (score.best_percent, score.passed, score.attempts, score.finished) == (
        Decimal("100.0"),
        True,
        2,
        2,
    )
    assert score.state == QuizState.PASSED
    assert second.quizzes == ()
    assert amina.progress.percent == 40  # 2 of 5 items
    (started,) = jorge.cells[0].quizzes
    assert (started.state, started.best_percent, started.attempts) == (
        QuizState.IN_PROGRESS,
        None,
        1,
    )
    assert jorge.started  # opening the quiz is activity
    assert matrix.quizzes == (
        selectors.QuizRef(quiz.pk, quiz.title, small.modules[0].pk, small.modules[0].title),
    )


def test_a_quiz_never_opened_is_listed_as_not_attempted(cohort, people, quiz):
    matrix = selectors.progress_matrix(cohort)
    (score,) = matrix.rows[0].cells[0].quizzes
    assert (score.state, score.attempts, score.best_percent) == (QuizState.NOT_ATTEMPTED, 0, None)


def test_a_failed_quiz_is_not_passed_with_its_best_score(cohort, people, quiz):
    take(people.amina, quiz, right=1)
    take(people.amina, quiz, right=2, now=timezone.now() + timedelta(minutes=10))
    (score,) = selectors.progress_matrix(cohort).rows[0].cells[0].quizzes
    assert (score.state, score.best_percent, score.finished) == (
        QuizState.NOT_PASSED,
        Decimal("66.6"),  # 2/3, rounded down to one decimal as grading stores it
        2,
    )


def test_behind_and_inactive_follow_the_cohort_dates(small, trainer, trainee):
    cohort = make_cohort(
        small.course, [trainer], starts_on=date(2026, 3, 1), ends_on=date(2026, 3, 10)
    )
    add_member(cohort, trainee)
    services.complete_item(
        user=trainee, page=small.lessons[0][0], now=datetime(2026, 3, 2, 9, tzinfo=UTC)
    )
    at = {
        # Day 2 of 10: 20 % expected, 25 % done.
        "early": datetime(2026, 3, 2, 18, tzinfo=UTC),
        # Day 5: 50 % expected, 25 % done (more than 10 points below); 7 days idle? no, 3.
        "mid": datetime(2026, 3, 5, 18, tzinfo=UTC),
        # Day 10: 100 % expected, idle for 8 days.
        "late": datetime(2026, 3, 10, 18, tzinfo=UTC),
        # After the end: behind still, but no longer "inactive" (the cohort is over).
        "after": datetime(2026, 3, 20, 18, tzinfo=UTC),
    }
    flags = {}
    for name, now in at.items():
        matrix = selectors.progress_matrix(cohort, now=now)
        (only,) = matrix.rows
        flags[name] = (matrix.expected_percent, only.behind, only.inactive)
    assert flags == {
        "early": (20, False, False),
        "mid": (50, True, False),
        "late": (100, True, True),
        "after": (100, True, False),
    }


def test_a_trainee_who_did_everything_is_completed_not_behind(small, cohort, trainee):
    now = timezone.now()
    for lesson in small.all_lessons:
        services.complete_item(user=trainee, page=lesson, now=now)
    (only,) = selectors.progress_matrix(cohort, now=now + timedelta(days=30)).rows
    assert only.statuses == (Status.COMPLETED,)
    assert not only.behind and not only.inactive


# --- the cohort's quizzes and mastery ---------------------------------------------------------


def test_the_quiz_table_counts_trainees_from_their_best_attempt(cohort, people, quiz):
    take(people.amina, quiz, right=1)
    take(people.amina, quiz, right=3, now=timezone.now() + timedelta(minutes=10))
    take(people.jorge, quiz, right=2)
    take(people.outsider, quiz, right=3)  # not in the cohort
    matrix = selectors.progress_matrix(cohort)
    (line,) = selectors.quiz_rows(matrix)
    assert (line.attempts, line.trainees, line.started, line.passed) == (3, 2, 2, 1)
    assert line.mean_percent == Decimal("83.3")  # (100 + 66.6) / 2
    assert line.pass_rate == 50
    assert not line.reliable  # fewer than 5 trainees


def test_the_cohort_mastery_pools_each_trainees_mastery(small, cohort, people, quiz):
    third = make_user("zoe@example.org", "Zoe")
    add_member(cohort, third)
    take(people.amina, quiz, right=3)  # A: 3/3 = 100 % mastered; B: 1 question
    take(people.jorge, quiz, right=2)  # A: 2/3 = 66 % developing; B: q3 wrong, 0 %
    # Answers outside the course's quizzes do not count for the cohort.
    elsewhere = add_quiz(make_quiz_module("O1"), title="Elsewhere")
    take(third, elsewhere, right=3)

    found = selectors.cohort_mastery(cohort, trainees=3, quiz_ids=[quiz.pk])
    by_code = {line.obj.ref_id: line.pooled for line in found.indicators}
    a, b = by_code[A], by_code[B]
    assert (a.mastered, a.developing, a.assessed, a.not_assessed, a.mean_percent) == (
        1,
        1,
        2,
        1,
        83,
    )
    assert (b.not_enough_evidence, b.assessed, b.mean_percent) == (2, 2, 50)
    domains = {line.obj.pk: line.pooled for line in found.domains}
    a_domain = Indicator.objects.get(ref_id=A).domain_id
    assert domains[a_domain].mastered == 1 and domains[a_domain].developing == 1


def test_many_learners_mastery_agrees_with_each_learners_dashboard(people, quiz):
    take(people.amina, quiz, right=3)
    take(people.jorge, quiz, right=1)
    take(people.jorge, quiz, right=2, now=timezone.now() + timedelta(hours=1))
    by_user = reports.mastery_by_user([people.amina.pk, people.jorge.pk, people.outsider.pk])
    assert set(by_user) == {people.amina.pk, people.jorge.pk}  # no answer: left out
    for user in (people.amina, people.jorge):
        dashboard = reports.learner_mastery(user)
        assert [(r.obj.pk, r.percent, r.mastery.level) for r in dashboard.indicators] == [
            (i.id, i.percent, i.level)
            for i in sorted(by_user[user.pk].indicators, key=lambda i: i.id)
        ]


def test_quiz_statistics_can_be_restricted_to_some_learners(cohort, people, quiz):
    take(people.amina, quiz, right=3)
    take(people.jorge, quiz, right=0)
    take(people.outsider, quiz, right=3)
    everyone = reports.quiz_statistics(quiz, attempts=reports.AttemptsChoice.FIRST)
    found = selectors.cohort_quiz_statistics(cohort, quiz.pk, attempts=reports.AttemptsChoice.FIRST)
    assert everyone.learners == 3
    assert (found.counted, found.trainees, found.reliable) == (2, 2, False)
    assert found.stats.summary.mean == 50.0
    assert {row.stats.responses for row in found.stats.questions} == {2}
    listed = reports.quiz_statistics(
        quiz, attempts=reports.AttemptsChoice.ALL, users=[people.outsider.pk]
    )
    assert (listed.learners, listed.summary.mean) == (1, 100.0)


def test_a_quiz_outside_the_course_has_no_cohort_statistics(cohort, quiz):
    elsewhere = add_quiz(make_quiz_module("O1"), title="Elsewhere")
    choice = reports.AttemptsChoice.FIRST
    assert selectors.cohort_quiz_statistics(cohort, elsewhere.pk, attempts=choice) is None
    assert selectors.cohort_quiz_statistics(cohort, 999_999, attempts=choice) is None


# --- exports ----------------------------------------------------------------------------------


def test_the_export_tables_hold_the_matrix_and_the_mastery(small, cohort, people, quiz):
    # Noon today: the attempt ends five minutes later, and the export reads an hour later,
    # on the same date whatever the time the suite runs.
    now = timezone.now().replace(hour=12, minute=0, second=0, microsecond=0)
    services.complete_item(user=people.jorge, page=small.lessons[1][0], now=now)
    take(people.jorge, quiz, right=3, now=now)
    progress, mastery = selectors.matrix_export_tables(cohort, now=now + timedelta(hours=1))

    assert progress.title == "Progress"
    assert progress.header == [
        "Name",
        "E-mail",
        "Country",
        "Organisation",
        "Status",
        "Course progress (%)",
        "Last activity (date)",
        f"{small.modules[0].title}: items done",
        f"{small.modules[1].title}: items done",
        f"{quiz.title}: best score (%)",
    ]
    amina, jorge = progress.rows
    assert amina[:2] == ["Amina Diallo", "amina@example.org"]
    assert amina[5:] == [0, "", "0/3", "0/2", None]
    assert jorge == [
        "Jorge Pérez",
        "jorge@example.org",
        "Ecuador",
        "MREMH",
        "Behind",  # day 11 of 21: 52 % expected, 40 % done
        40,
        timezone.localdate(now).isoformat(),
        "1/3",
        "1/2",
        100.0,
    ]
    assert "Not started" in amina[4]
    assert progress.notes

    assert mastery.title == "Mastery"
    assert mastery.header[:5] == ["Kind", "Framework", "Code", "Title", "Trainees assessed"]
    kinds = [line[0] for line in mastery.rows]
    assert kinds == ["Indicator", "Indicator", "Domain", "Domain"]
    a = Indicator.objects.get(ref_id=A)
    first = mastery.rows[0]
    assert (first[2], first[3]) == (a.code, a.title)
    # 1 of 2 trainees assessed: mastered (3 questions, 100 %); Amina not assessed.
    assert first[4:] == [1, 1, 0, 0, 0, 1, 100]


def test_the_export_headers_follow_the_active_language(cohort, people):
    from django.utils import translation

    with translation.override("fr"):
        progress, _mastery = selectors.matrix_export_tables(cohort)
    assert progress.header[:3] == ["Nom", "Adresse électronique", "Pays"]
