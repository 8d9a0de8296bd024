"""Quiz statistics in the admin: the numbers for a small hand-worked data set, first versus
all attempts, the CSV downloads, who may see them, bad parameters, and query bounds.

The data set: three single-choice questions (1 point; choices Right, Wrong, Off), q1 and
q2 on indicator A, q3 on indicator B (another domain); three learners.

    first attempts    q1     q2     q3      score
    Ana (L1)          Right  Right  Right   3/3 = 100 %
    Ben (L2)          Right  Wrong  blank   1/3 = 33.33 %
    Chloé (L3)        Off    Wrong  Wrong   0/3 = 0 %
    Ben, 2nd attempt  Right  Right  Right   3/3 = 100 %

First attempts: mean 44.44, median 33.33, SD sqrt(((500/9)² + (100/9)² + (400/9)²) / 2)
= 50.92. Facility q1 66.67, q2 33.33, q3 33.33; SD of each 57.74 (values 100/100/0 or
100/0/0). Discrimination: q1 x = (1, 1, 0), rest y = (2, 0, 0): r = (2/3) / sqrt(6/9 ·
24/9) = 0.5 -> 50.00; q2 and q3 x = (1, 0, 0), y = (2, 1, 0): r = 1 / sqrt(6/9 · 2) =
0.8660 -> 86.60. Indicator A pools q1 and q2: (66.67·3 + 33.33·3) / 6 = 50.00; B 33.33.

All attempts add Ben's retake: percents 100, 33.33, 0, 100: mean 58.33, median 66.67,
SD sqrt((41.67² + 25² + 58.33² + 41.67²) / 3) = 50.00; facility q1 75.00, q2 and q3 50.00.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.shortcuts import resolve_url
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.choices import Role
from accounts.models import User
from quizzes import admin_statistics, attempts, reports
from quizzes.models import Question
from tests.quizzes.builders import indicator, make_module, make_question, make_quiz
from tests.quizzes.test_mastery_dashboard import tables

pytestmark = pytest.mark.django_db

T1 = datetime(2025, 3, 14, 9, 0, tzinfo=UTC)
A, B = "EIU16-1.1", "EIU16-2.1"
QS = ("q1", "q2", "q3")


def make_member(email: str, role: Role | None, staff_mfa, full_name: str = "") -> User:
    user = User.objects.create_user(email=email, password="pw-0123456789", full_name=full_name)
    if role is not None:
        user.groups.add(Group.objects.get(name=role.value))
        if role != Role.TRAINEES:
            staff_mfa(user)
    return user


def take(user, quiz, now, answers: dict[str, str | None]) -> None:
    """A finished attempt choosing, for each question title, the choice with that text."""
    attempt = attempts.start_attempt(user=user, quiz=quiz, now=now)
    chosen = {}
    for item in attempt.items.all():
        text = answers[item.snapshot["title"]]
        chosen[item.position] = next(
            (c["key"] for c in item.snapshot["choices"] if c["text"] == text), None
        )
    attempts.submit_attempt(
        attempt_id=attempt.pk, user=user, answers=chosen, now=now + timedelta(minutes=20)
    )


@pytest.fixture
def quiz(framework):
    a, b = indicator(A), indicator(B)
    questions = [
        make_question(title="q1", indicators=[a]),
        make_question(title="q2", indicators=[a]),
        make_question(title="q3", indicators=[b]),
    ]
    return make_quiz(make_module(), questions, shuffle_choices=False, title="Governance check")


@pytest.fixture
def learners(framework):
    return [
        User.objects.create_user(email=f"{email}@example.org", full_name=name)
        for email, name in (("ana", "Ana"), ("ben", "Ben"), ("chloe", "Chloé"))
    ]


@pytest.fixture
def taken(quiz, learners):
    ana, ben, chloe = learners
    take(ana, quiz, T1, {"q1": "Right", "q2": "Right", "q3": "Right"})
    take(ben, quiz, T1 + timedelta(hours=1), {"q1": "Right", "q2": "Wrong", "q3": None})
    take(chloe, quiz, T1 + timedelta(hours=2), {"q1": "Off", "q2": "Wrong", "q3": "Wrong"})
    take(ben, quiz, T1 + timedelta(days=1), {"q1": "Right", "q2": "Right", "q3": "Right"})
    attempts.start_attempt(user=chloe, quiz=quiz, now=T1 + timedelta(days=2))  # not finished
    return quiz


@pytest.fixture
def trainer(framework, staff_mfa):
    return make_member("trainer@example.org", Role.TRAINERS, staff_mfa)


@pytest.fixture
def trainer_client(client, trainer):
    client.force_login(trainer)
    return client


def url(quiz, **params) -> str:
    base = reverse("quizzes_statistics", args=[quiz.pk])
    query = "&".join(f"{key}={value}" for key, value in params.items())
    return f"{base}?{query}" if query else base


def page(client, quiz, **params) -> tuple[str, dict]:
    response = client.get(url(quiz, **params))
    assert response.status_code == 200
    html = response.content.decode()
    return html, tables(html)


def body_rows(table: list[list[str]]) -> dict[str, list[str]]:
    return {row[0]: row[1:] for row in table[1:]}


def read_csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


# --- the numbers -------------------------------------------------------------------------


def test_the_page_matches_the_hand_computation_over_first_attempts(trainer_client, taken):
    html, found = page(trainer_client, taken)
    summary = {row[0]: row[1] for row in found["quiz-summary"]}
    assert summary["Attempts counted"] == "3 (First attempt of each learner)"
    assert summary["Learners"] == "3"
    assert summary["Mean score (%)"] == "44.44"
    assert summary["Median score (%)"] == "33.33"
    assert summary["Standard deviation (%)"] == "50.92"

    questions = {row[0].split(" ")[0]: row[1:] for row in found["question-statistics"][1:]}
    # kind, responses, left blank, facility, SD, discrimination
    assert questions["q1"] == ["Single choice", "3", "0", "66.67", "57.74", "50.00"]
    assert questions["q2"] == ["Single choice", "3", "0", "33.33", "57.74", "86.60"]
    assert questions["q3"] == ["Single choice", "3", "1", "33.33", "57.74", "86.60"]
    assert "Institutional framework" in html  # each question's indicators

    a, b = indicator(A), indicator(B)
    by_indicator = {row[0].split(" (")[0]: row[1:] for row in found["indicator-statistics"][1:]}
    assert by_indicator[f"{a.code} {a.title}"][1:] == ["2", "6", "50.00"]
    assert by_indicator[f"{b.code} {b.title}"][1:] == ["1", "3", "33.33"]
    by_domain = body_rows(found["domain-statistics"])
    assert by_domain[f"{a.domain.code} {a.domain.title}"][1:] == ["2", "6", "50.00"]
    assert by_domain[f"{b.domain.code} {b.domain.title}"][1:] == ["1", "3", "33.33"]


def test_choice_counts_show_the_choice_texts_and_which_is_correct(trainer_client, taken):
    _html, found = page(trainer_client, taken)
    # One table per question, in the order of the questions, captioned with its title.
    choices = {title: body_rows(found[f"choices-{n}"]) for n, title in enumerate(QS, start=1)}
    assert "<caption>q1</caption>" in _html
    # choice, correct, times chosen, % of responses
    assert choices["q1"] == {
        "Right": ["Correct", "2", "66.7"],
        "Wrong": ["No", "0", "0.0"],
        "Off": ["No", "1", "33.3"],
    }
    assert choices["q2"]["Wrong"] == ["No", "2", "66.7"]
    assert choices["q3"] == {  # Ben left it blank: counted as a response, chose nothing
        "Right": ["Correct", "1", "33.3"],
        "Wrong": ["No", "1", "33.3"],
        "Off": ["No", "0", "0.0"],
    }


def test_all_attempts_count_the_retake(trainer_client, taken):
    _html, found = page(trainer_client, taken, attempts="all")
    summary = {row[0]: row[1] for row in found["quiz-summary"]}
    assert summary["Attempts counted"] == "4 (All finished attempts)"
    assert summary["Learners"] == "3"
    assert [summary[k] for k in ("Mean score (%)", "Median score (%)")] == ["58.33", "66.67"]
    assert summary["Standard deviation (%)"] == "50.00"
    facility = {row[0].split(" ")[0]: row[4] for row in found["question-statistics"][1:]}
    assert facility == {"q1": "75.00", "q2": "50.00", "q3": "50.00"}


def test_the_page_explains_why_first_attempts_are_the_default(trainer_client, taken):
    html, _found = page(trainer_client, taken)
    assert 'value="first" checked' in html
    assert "answers later ones with that help" in html


def test_a_question_deleted_from_the_bank_keeps_its_statistics(trainer_client, taken):
    Question.objects.get(title="q3").delete()
    html, found = page(trainer_client, taken)
    rows = {row[0]: row[1:] for row in found["question-statistics"][1:]}
    b = indicator(B)
    assert rows[f"q3 (deleted from the question bank) {b.code} {b.title}"][3] == "33.33"
    assert rows[next(title for title in rows if title.startswith("q1"))][3] == "66.67"
    response = trainer_client.get(url(taken, format="csv"))
    assert read_csv(response)[3][:2] == ["", "q3"]


def test_a_quiz_without_finished_attempts_says_so(trainer_client, quiz):
    html, _found = page(trainer_client, quiz)
    assert "No finished attempt yet" in html


# --- downloads ---------------------------------------------------------------------------


def test_the_question_csv_has_a_translated_header_and_the_page_numbers(trainer_client, taken):
    response = trainer_client.get(url(taken, format="csv"))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert (
        response["Content-Disposition"] == f'attachment; filename="quiz-{taken.pk}-statistics.csv"'
    )
    rows = read_csv(response)
    assert rows[0] == [
        "Question ID",
        "Question",
        "Responses",
        "Facility index (%)",
        "Standard deviation (%)",
        "Discrimination index (%)",
        "Left blank",
        "Choice counts",
    ]
    ids = {q.title: q for q in Question.objects.filter(title__in=["q1", "q2", "q3"])}
    q1 = ids["q1"].choices.get(text="Right").key, ids["q1"].choices.get(text="Off").key
    assert rows[1] == [
        str(ids["q1"].pk),
        "q1",
        "3",
        "66.67",
        "57.74",
        "50.00",
        "0",
        f"{q1[0]}=2; {q1[1]}=1",
    ]
    assert [row[1] for row in rows[1:]] == ["q1", "q2", "q3"]
    assert rows[3][3:7] == ["33.33", "57.74", "86.60", "1"]


def test_the_question_csv_follows_the_choice_of_attempts(trainer_client, taken):
    rows = read_csv(trainer_client.get(url(taken, format="csv", attempts="all")))
    assert [row[3] for row in rows[1:]] == ["75.00", "50.00", "50.00"]
    assert rows[1][2] == "4"


def test_the_attempts_csv_lists_the_results(trainer_client, taken):
    response = trainer_client.get(url(taken, format="attempts-csv", attempts="all"))
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="quiz-{taken.pk}-attempts.csv"'
    rows = read_csv(response)
    assert rows[0] == [
        "Learner",
        "E-mail",
        "Attempt",
        "Started (UTC)",
        "Finished (UTC)",
        "Percent",
        "Passed",
    ]
    assert rows[1:] == [
        ["Ana", "ana@example.org", "1", "2025-03-14 09:00", "2025-03-14 09:20", "100.0", "yes"],
        ["Ben", "ben@example.org", "1", "2025-03-14 10:00", "2025-03-14 10:20", "33.3", "no"],
        ["Ben", "ben@example.org", "2", "2025-03-15 09:00", "2025-03-15 09:20", "100.0", "yes"],
        ["Chloé", "chloe@example.org", "1", "2025-03-14 11:00", "2025-03-14 11:20", "0.0", "no"],
    ]
    first = read_csv(trainer_client.get(url(taken, format="attempts-csv")))
    assert [row[:3] for row in first[1:]] == [
        ["Ana", "ana@example.org", "1"],
        ["Ben", "ben@example.org", "1"],
        ["Chloé", "chloe@example.org", "1"],
    ]


def test_a_name_that_looks_like_a_formula_is_neutralised(trainer_client, quiz):
    sly = User.objects.create_user(email="sly@example.org", full_name="=HYPERLINK(1)")
    take(sly, quiz, T1, {"q1": "Right", "q2": "Right", "q3": "Right"})
    rows = read_csv(trainer_client.get(url(quiz, format="attempts-csv")))
    assert rows[1][0] == "'=HYPERLINK(1)"


def test_the_page_links_to_both_downloads(trainer_client, taken):
    html, _found = page(trainer_client, taken, attempts="all")
    assert "?attempts=all&amp;format=csv" in html
    assert "?attempts=all&amp;format=attempts-csv" in html


# --- bad input ---------------------------------------------------------------------------


def test_an_unknown_choice_of_attempts_falls_back_to_first_attempts(trainer_client, taken):
    html, found = page(trainer_client, taken, attempts="best")
    assert "is not a choice of attempts" in html
    summary = {row[0]: row[1] for row in found["quiz-summary"]}
    assert summary["Mean score (%)"] == "44.44"


def test_empty_parameters_mean_the_defaults(trainer_client, taken):
    html, found = page(trainer_client, taken, attempts="", format="")
    assert "is not a" not in html
    assert {row[0]: row[1] for row in found["quiz-summary"]}["Mean score (%)"] == "44.44"


def test_an_unknown_format_shows_the_page_with_a_notice(trainer_client, taken):
    response = trainer_client.get(url(taken, format="xlsx"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert "is not a format that can be downloaded" in response.content.decode()


def test_an_unknown_page_or_a_page_that_is_not_a_quiz_is_not_found(trainer_client, quiz):
    assert trainer_client.get(reverse("quizzes_statistics", args=[999999])).status_code == 404
    module = quiz.get_parent()
    assert trainer_client.get(reverse("quizzes_statistics", args=[module.pk])).status_code == 404


# --- who may see it ----------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.TRAINERS, Role.EDITORS, Role.ADMINISTRATORS])
def test_trainers_editors_and_administrators_may_read_the_statistics(
    client, taken, staff_mfa, role
):
    client.force_login(make_member("staff@example.org", role, staff_mfa))
    assert client.get(url(taken)).status_code == 200
    assert client.get(url(taken, format="csv")).status_code == 200
    assert client.get(reverse("quizzes_statistics_index")).status_code == 200


def test_a_trainee_is_sent_away_with_no_results(client, taken, staff_mfa):
    client.force_login(make_member("trainee@example.org", Role.TRAINEES, staff_mfa))
    for address in (url(taken), url(taken, format="attempts-csv")):
        response = client.get(address)
        assert response.status_code == 302
        assert "ana@example.org" not in response.content.decode()


def test_admin_access_without_the_permission_is_denied(client, taken, staff_mfa):
    group = Group.objects.create(name="Reviewers")
    group.permissions.add(Permission.objects.get(codename="access_admin"))
    user = make_member("reviewer@example.org", None, staff_mfa)
    user.groups.add(group)
    staff_mfa(user)
    client.force_login(user)
    for address in (
        url(taken),
        url(taken, format="csv"),
        reverse("quizzes_statistics_index"),
    ):
        response = client.get(address)
        assert response.status_code == 302
        assert response.url == reverse("wagtailadmin_home")
    home = client.get(reverse("wagtailadmin_home")).content.decode()
    assert "Quiz statistics" not in home


def test_anonymous_visitors_are_sent_to_the_login_page(client, taken):
    response = client.get(url(taken, format="csv"))
    assert response.status_code == 302
    assert response.url.startswith(resolve_url(settings.WAGTAILADMIN_LOGIN_URL) + "?next=")


# --- the listing, the menu and the button -------------------------------------------------


def test_the_reports_menu_lists_quizzes_with_their_attempts_and_learners(trainer_client, taken):
    home = trainer_client.get(reverse("wagtailadmin_home")).content.decode()
    assert "Quiz statistics" in home
    assert reverse("quizzes_statistics_index") in home
    response = trainer_client.get(reverse("quizzes_statistics_index"))
    assert response.status_code == 200
    rows = body_rows(tables(response.content.decode())["quiz-list"])
    # module, status, finished attempts, learners: Chloé's open attempt does not count
    assert rows["Governance check"] == ["Quiz module", "Live", "4", "3"]
    assert reverse("quizzes_statistics", args=[taken.pk]) in response.content.decode()


def test_quiz_pages_get_a_statistics_button(trainer, taken):
    statistics = reverse("quizzes_statistics", args=[taken.pk])
    header = list(admin_statistics.page_header_statistics_button(taken, trainer, "edit"))
    assert [button.url for button in header] == [statistics]
    listing = list(admin_statistics.page_listing_statistics_button(taken, trainer))
    assert [button.url for button in listing] == [statistics]
    module = taken.get_parent()
    assert not list(admin_statistics.page_header_statistics_button(module, trainer, "edit"))


def test_the_button_is_hidden_from_users_without_the_permission(taken, staff_mfa):
    nobody = make_member("nobody@example.org", None, staff_mfa)
    assert not list(admin_statistics.page_header_statistics_button(taken, nobody, "edit"))


def test_the_quiz_edit_view_shows_the_statistics_button(trainer_client, taken):
    response = trainer_client.get(reverse("wagtailadmin_pages:edit", args=[taken.pk]))
    assert response.status_code == 200
    assert reverse("quizzes_statistics", args=[taken.pk]) in response.content.decode()


# --- queries ------------------------------------------------------------------------------


def _quiz_with(learner_count: int, question_count: int, retakes: int, prefix: str):
    questions = [
        make_question(title=f"{prefix} {n}", indicators=[indicator(A if n % 2 else B)])
        for n in range(question_count)
    ]
    quiz = make_quiz(make_module(), questions, shuffle_choices=False)
    for number in range(learner_count):
        user = User.objects.create_user(email=f"{prefix}{number}@example.org")
        for retake in range(retakes):
            answers = {
                q.title: ("Right" if (n + number + retake) % 3 else "Wrong")
                for n, q in enumerate(questions)
            }
            take(user, quiz, T1 + timedelta(days=retake), answers)
    return quiz


def test_statistics_are_read_in_four_queries_whatever_the_data(
    framework, django_assert_num_queries
):
    small = _quiz_with(2, 2, 1, "small")
    large = _quiz_with(6, 7, 3, "large")
    for quiz in (small, large):
        for choice in reports.AttemptsChoice:
            with django_assert_num_queries(4):
                stats = reports.quiz_statistics(quiz, attempts=choice)
            assert stats.summary.attempts
    assert len(reports.quiz_statistics(large, attempts=reports.AttemptsChoice.ALL).attempts) == 18


def test_the_pages_queries_do_not_grow_with_the_data(trainer_client, framework):
    small = _quiz_with(2, 2, 1, "small")
    large = _quiz_with(6, 7, 3, "large")
    for params in ({}, {"attempts": "all"}, {"format": "csv"}, {"format": "attempts-csv"}):
        counts = []
        for quiz in (small, large):
            trainer_client.get(url(quiz, **params))  # warm the caches
            with CaptureQueriesContext(connection) as queries:
                assert trainer_client.get(url(quiz, **params)).status_code == 200
            counts.append(len(queries))
        assert counts[0] == counts[1], params
    listing = []
    for _ in range(2):
        trainer_client.get(reverse("quizzes_statistics_index"))  # warm the caches
        with CaptureQueriesContext(connection) as queries:
            trainer_client.get(reverse("quizzes_statistics_index"))
        listing.append(len(queries))
        _quiz_with(3, 3, 1, f"more{len(listing)}")
    assert listing[0] == listing[1]


def test_the_page_explorer_offers_statistics_for_quiz_rows(trainer_client, taken):
    module = taken.get_parent()
    response = trainer_client.get(reverse("wagtailadmin_explore", args=[module.pk]))
    assert response.status_code == 200
    assert reverse("quizzes_statistics", args=[taken.pk]) in response.content.decode()


@pytest.mark.parametrize(
    "query",
    [
        "attempts=%00",
        "attempts=" + "x" * 2000,
        "attempts=all&attempts=first",
        "format=%ff%fe",
        "format=csv&format=html",
        "format=",
        "attempts=",
    ],
)
def test_junk_in_the_query_string_never_fails(trainer_client, taken, query):
    response = trainer_client.get(f"{url(taken)}?{query}")
    assert response.status_code == 200


@pytest.mark.parametrize("number", ["nope", "-1", "0", "999999", "1e9", "%00"])
def test_junk_page_numbers_in_the_listing_never_fail(trainer_client, taken, number):
    response = trainer_client.get(f"{reverse('quizzes_statistics_index')}?p={number}")
    assert response.status_code == 200
