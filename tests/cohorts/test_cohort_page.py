"""The cohort page and a quiz's statistics over the cohort, as a trainer sees them: who may
open them, the header and its actions, the matrix (items done, quiz scores, statuses),
sorting and filtering without script, bad parameters, the quizzes table, the mastery
tables and the small-number caution."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from courses import services
from tests.quizzes.builders import make_module as make_quiz_module
from tests.quizzes.test_mastery_dashboard import tables

from .conftest import add_member, make_cohort, make_user
from .test_selectors import add_quiz, take

pytestmark = pytest.mark.django_db


@pytest.fixture
def quiz(small):
    return add_quiz(small.modules[0])


def urls(cohort, quiz) -> list[str]:
    return [f"/trainer/cohorts/{cohort.pk}/", f"/trainer/cohorts/{cohort.pk}/quizzes/{quiz.pk}/"]


def rows_of(html: str, table: str = "progress-matrix") -> list[list[str]]:
    return tables(html)[table][1:]  # without the header row


# --- who may see it ---------------------------------------------------------------------------


def test_the_cohorts_trainers_and_administrators_see_the_pages(
    cohort, quiz, trainer, administrator, client_for
):
    for user in (trainer, administrator):
        for url in urls(cohort, quiz):
            assert client_for(user).get(url).status_code == 200, (user, url)


def test_another_trainer_gets_not_found(cohort, quiz, other_trainer, client_for):
    make_cohort(cohort.course, [other_trainer], name="Their own")
    for url in urls(cohort, quiz):
        assert client_for(other_trainer).get(url).status_code == 404, url


def test_a_trainee_is_refused(cohort, quiz, trainee, client_for):
    for url in urls(cohort, quiz):
        assert client_for(trainee).get(url).status_code == 403, url


def test_an_anonymous_visitor_is_sent_to_log_in(cohort, quiz, client):
    for url in urls(cohort, quiz):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/login/"), url


def test_a_cohort_or_quiz_that_does_not_exist_is_not_found(cohort, quiz, trainer, client_for):
    client = client_for(trainer)
    assert client.get("/trainer/cohorts/999999/").status_code == 404
    assert client.get(f"/trainer/cohorts/999999/quizzes/{quiz.pk}/").status_code == 404
    assert client.get(f"/trainer/cohorts/{cohort.pk}/quizzes/999999/").status_code == 404


def test_a_quiz_outside_the_cohorts_course_is_not_found(cohort, quiz, trainer, client_for):
    elsewhere = add_quiz(make_quiz_module("O1"), title="Elsewhere")
    response = client_for(trainer).get(f"/trainer/cohorts/{cohort.pk}/quizzes/{elsewhere.pk}/")
    assert response.status_code == 404


def test_the_pages_only_answer_reads(cohort, quiz, trainer, client_for):
    for url in urls(cohort, quiz):
        assert client_for(trainer).post(url).status_code == 405


# --- the header -------------------------------------------------------------------------------


def test_the_header_says_how_to_join_and_what_the_trainer_can_do(
    small, cohort, trainer, client_for
):
    cohort.host_organisation = "Ministry of the Interior"
    cohort.save()
    html = client_for(trainer).get(f"/trainer/cohorts/{cohort.pk}/").text
    assert "<h1>Dakar 2026</h1>" in html
    assert f'href="{small.course.url}">{small.course.title}</a>' in html
    assert "Senegal" in html and "Ministry of the Interior" in html and "Tess Trainer" in html
    assert cohort.join_code in html
    assert f'href="http://testserver/join/{cohort.join_code}/"' in html
    assert "Joining open" in html
    for action in ("edit", "invite", "remind"):
        assert f'href="/trainer/cohorts/{cohort.pk}/{action}/"' in html
    assert f'<form method="post" action="/trainer/cohorts/{cohort.pk}/export/"' in html
    assert 'name="format" value="csv" checked' in html
    assert 'name="format" value="xlsx"' in html
    assert "Export the progress matrix</button>" in html
    assert "cohorts/matrix.css" in html


def test_a_closed_cohort_says_joining_is_closed(cohort, trainer, client_for):
    cohort.joining_open = False
    cohort.save()
    html = client_for(trainer).get(f"/trainer/cohorts/{cohort.pk}/").text
    assert "Joining closed" in html
    assert "Joining open" not in html


# --- the matrix -------------------------------------------------------------------------------


@pytest.fixture
def busy(small, cohort, trainee, quiz):
    """Amina: module A done (2 lessons, the quiz passed on her 2nd attempt). Jorge: lesson
    B1 only, 9 days ago. Zoé: nothing at all. Day 11 of 21: 52 % expected."""
    now = timezone.now()
    jorge = make_user("jorge@example.org", "Jorge Pérez")
    zoe = make_user("zoe@example.org", "Zoé Zimmer")
    add_member(cohort, jorge)
    add_member(cohort, zoe)
    for lesson in small.lessons[0]:
        services.complete_item(user=trainee, page=lesson, now=now)
    take(trainee, quiz, right=1, now=now - timedelta(hours=2))
    take(trainee, quiz, right=3, now=now - timedelta(hours=1))
    services.complete_item(user=jorge, page=small.lessons[1][0], now=now - timedelta(days=9))
    return cohort


def matrix(client, cohort, query: str = "") -> tuple[str, list[list[str]]]:
    response = client.get(f"/trainer/cohorts/{cohort.pk}/{query}")
    assert response.status_code == 200
    html = response.text
    return html, rows_of(html) if 'id="progress-matrix"' in html else []


def test_the_matrix_shows_items_done_quiz_scores_and_statuses(busy, trainer, client_for, quiz):
    html, rows = matrix(client_for(trainer), busy)
    amina, jorge, zoe = rows
    today = timezone.localdate().strftime("%-d %b %Y")
    # Module A holds 2 lessons and the quiz; module B 2 lessons.
    assert amina[0] == "Amina Diallo amina@example.org"
    assert amina[1:4] == ["60%", "On track", today]
    assert amina[4] == "3/3 done Check yourself: 100% · Passed · 2 attempts"
    assert amina[5] == "0/2"
    assert jorge[1:3] == ["20%", "Behind Inactive"]  # 9 days idle; 20 % of 52 % expected
    assert jorge[4:] == ["0/3 Check yourself: Not attempted", "1/2"]
    assert zoe[2:4] == ["Not started Behind Inactive", "never"]
    # Summary figures, and the rule in words.
    figures = dict(
        zip(
            ["Trainees", "Completed the course", "Behind", "Inactive", "Not started"],
            [3, 0, 2, 2, 1],
            strict=True,
        )
    )
    for label, count in figures.items():
        assert f"<dt>{label}</dt><dd>{count}</dd>" in html
    assert "<dt>Expected progress by today</dt><dd>52%</dd>" in html
    assert "more than 10 points below" in html and "nothing for 7 days" in html


def test_a_completed_module_says_done_in_words(small, cohort, trainee, trainer, client_for):
    for lesson in small.lessons[1]:
        services.complete_item(user=trainee, page=lesson, now=timezone.now())
    _html, (only,) = matrix(client_for(trainer), cohort)
    assert only[5] == "2/2 done"


def test_the_matrix_is_an_accessible_scrolling_table(busy, trainer, client_for):
    html, _rows = matrix(client_for(trainer), busy)
    assert (
        '<div class="table-scroll matrix-scroll" role="region" '
        'aria-labelledby="matrix-caption" tabindex="0">'
    ) in html
    assert '<caption id="matrix-caption">' in html
    assert '<th scope="row" class="matrix-trainee">' in html
    assert 'aria-sort="ascending"' in html  # sorted by name by default
    assert html.count("aria-sort=") == 1
    assert "style=" not in html.split("<main", 1)[1]
    assert "<script" not in html.split("<main", 1)[1]


@pytest.mark.parametrize(
    ("query", "expected", "sorted_header"),
    [
        ("?sort=name&order=desc", ["Zoé Zimmer", "Jorge Pérez", "Amina Diallo"], "Trainee"),
        ("?sort=progress&order=asc", ["Zoé Zimmer", "Jorge Pérez", "Amina Diallo"], "Course"),
        ("?sort=activity&order=desc", ["Amina Diallo", "Jorge Pérez", "Zoé Zimmer"], "Last"),
        ("?status=behind", ["Jorge Pérez", "Zoé Zimmer"], "Trainee"),
        ("?status=not_started", ["Zoé Zimmer"], "Trainee"),
        ("?status=completed", [], "Trainee"),
        ("?q=PEREZ", ["Jorge Pérez"], "Trainee"),
        ("?q=zoe%40example&status=inactive", ["Zoé Zimmer"], "Trainee"),
    ],
)
def test_the_trainer_sorts_and_filters_the_matrix(
    busy, trainer, client_for, query, expected, sorted_header
):
    html, rows = matrix(client_for(trainer), busy, query)
    assert [row[0].rsplit(" ", 1)[0] for row in rows] == expected
    if expected:
        direction = "descending" if "desc" in query else "ascending"
        header = html.split(f'aria-sort="{direction}"', 1)[1].split("</th>", 1)[0]
        assert sorted_header in header
    if "status" in query or "q=" in query:
        assert f"Showing {len(expected)} trainee" in html
        assert "Show every trainee" in html
    if not expected:
        assert "No trainee matches" in html


def test_the_filter_form_has_labels_and_keeps_the_choices(busy, trainer, client_for):
    html, _rows = matrix(client_for(trainer), busy, "?status=inactive&sort=activity&q=ex")
    for field in ("matrix-q", "matrix-status", "matrix-sort", "matrix-order"):
        assert f'<label for="{field}">' in html
    assert '<form method="get"' in html
    assert '<option value="inactive" selected>' in html
    assert '<option value="activity" selected>' in html
    assert 'name="q" value="ex"' in html
    # The column headers' links keep the filter and offer the other order.
    assert 'href="?status=inactive&amp;q=ex&amp;sort=activity&amp;order=desc"' in html
    assert 'href="?status=inactive&amp;q=ex&amp;sort=name&amp;order=asc"' in html


def test_unknown_sort_and_filter_values_are_ignored_with_a_message(busy, trainer, client_for):
    html, rows = matrix(
        client_for(trainer), busy, "?sort=salary&order=sideways&status=%3Cb%3Easleep"
    )
    assert len(rows) == 3
    assert "“salary” is not a way to sort the trainees: sorted by name instead." in html
    assert "“sideways” is not a sort order" in html
    assert "“&lt;b&gt;asleep” is not a status to filter on: showing every trainee." in html
    assert "<b>asleep" not in html


def test_a_cohort_without_trainees_says_how_to_get_them(small, trainer, client_for):
    empty = make_cohort(small.course, [trainer], name="Empty")
    html, rows = matrix(client_for(trainer), empty)
    assert rows == []
    assert "Nobody has joined yet" in html
    assert empty.join_code in html


# --- quizzes and mastery on the cohort page ---------------------------------------------------


def test_the_quiz_table_links_to_the_cohorts_statistics(busy, trainer, client_for, quiz):
    html, _rows = matrix(client_for(trainer), busy)
    (line,) = rows_of(html, "cohort-quizzes")
    assert line == [
        "Check yourself",
        "Evidence A",
        "1 of 3 few trainees",
        "2",
        "100.0",
        "1 of 1 (100%)",
    ]
    assert f'href="/trainer/cohorts/{busy.pk}/quizzes/{quiz.pk}/"' in html


def test_the_cohort_mastery_counts_trainees_per_level(busy, trainer, client_for):
    html, _rows = matrix(client_for(trainer), busy)
    indicators = rows_of(html, "cohort-mastery-indicators")
    # Amina's latest attempt: 3/3 right. A: 3 questions, mastered. B: 1 question.
    assert [line[2:] for line in indicators] == [
        ["1 of 3", "1", "0", "0", "0", "2", "100"],
        ["1 of 3", "0", "0", "0", "1", "2", "100"],
    ]
    domains = rows_of(html, "cohort-mastery-domains")
    assert len(domains) == 2
    # The chart repeats the table's numbers in words.
    assert "Mastered 1</span>" in html
    assert "Not enough evidence yet 1</span>" in html


def test_without_quiz_answers_the_mastery_section_says_so(cohort, quiz, trainer, client_for):
    html, _rows = matrix(client_for(trainer), cohort)
    assert "No trainee has finished a quiz of the course yet" in html
    assert "cohort-mastery-indicators" not in html


# --- one quiz over the cohort -----------------------------------------------------------------


def test_the_quiz_statistics_count_only_the_cohorts_trainees(
    cohort, trainee, quiz, trainer, client_for
):
    outsider = make_user("out@example.org", "Out Sider")
    take(trainee, quiz, right=3)
    take(outsider, quiz, right=0)
    response = client_for(trainer).get(f"/trainer/cohorts/{cohort.pk}/quizzes/{quiz.pk}/")
    html = response.text
    summary = {line[0]: line[1] for line in tables(html)["quiz-summary"]}
    assert summary["Trainees"] == "1"
    assert summary["Mean score (%)"] == "100.00"
    questions = rows_of(html, "question-statistics")
    assert [line[2] for line in questions] == ["1", "1", "1"]  # responses: Amina's only
    assert "1 trainee of 1 in the cohort is counted." in html
    assert "Fewer than 5 trainees are counted: these statistics are not reliable." in html
    assert rows_of(html, "indicator-statistics")
    assert rows_of(html, "domain-statistics")


def test_five_trainees_make_the_statistics_reliable(cohort, trainee, quiz, trainer, client_for):
    take(trainee, quiz, right=3)
    for n in range(4):
        learner = make_user(f"t{n}@example.org", f"Trainee {n}")
        add_member(cohort, learner)
        take(learner, quiz, right=n)
    html = client_for(trainer).get(f"/trainer/cohorts/{cohort.pk}/quizzes/{quiz.pk}/").text
    assert "5 trainees of 5 in the cohort are counted." in html
    assert "not reliable" not in html


def test_the_quiz_statistics_count_first_or_all_attempts(
    cohort, trainee, quiz, trainer, client_for
):
    take(trainee, quiz, right=0, now=timezone.now() - timedelta(hours=1))
    take(trainee, quiz, right=3)
    base = f"/trainer/cohorts/{cohort.pk}/quizzes/{quiz.pk}/"
    client = client_for(trainer)
    first = dict(tables(client.get(base).text)["quiz-summary"])
    every = dict(tables(client.get(base + "?attempts=all").text)["quiz-summary"])
    assert first["Mean score (%)"] == "0.00"
    assert every["Mean score (%)"] == "50.00"
    html = client.get(base + "?attempts=bogus").text
    assert "“bogus” is not a choice of attempts" in html
    assert dict(tables(html)["quiz-summary"])["Mean score (%)"] == "0.00"


def test_a_quiz_nobody_finished_says_there_is_nothing_to_analyse(cohort, quiz, trainer, client_for):
    html = client_for(trainer).get(f"/trainer/cohorts/{cohort.pk}/quizzes/{quiz.pk}/").text
    assert "No trainee of this cohort has finished this quiz yet" in html
    assert "quiz-summary" not in html
