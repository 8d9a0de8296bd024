"""The dashboard's mastery section kept rendered in the cache (quizzes.dashboard): served
again without a report or a template, replaced as soon as the learner finishes an attempt
or the content changes, one copy per learner and per language; study links for the five
weakest indicators only; the dashboard's queries fixed whatever the number of indicators
and courses."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from courses import services
from courses.models import CourseIndexPage
from framework_content.models import Indicator
from quizzes import answer_versions, reports
from quizzes import dashboard as mastery_dashboard
from tests.courses.conftest import make_small_course
from tests.quizzes.builders import indicator, make_module, make_question, make_quiz
from tests.quizzes.test_mastery_dashboard import A2, T1, T2, A, B, label, lesson, section, tables
from tests.quizzes.test_mastery_dashboard import take as take_quiz

pytestmark = pytest.mark.django_db


@pytest.fixture
def learner(framework) -> User:
    return User.objects.create_user(
        email="amina@example.org", password="pw-0123456789", full_name="Amina Diallo"
    )


@pytest.fixture
def quiz(framework):
    """q1-q3 on A, q4 on A2, q5 on B (one point each)."""
    a, a2, b = indicator(A), indicator(A2), indicator(B)
    questions = [
        make_question(title="q1", indicators=[a]),
        make_question(title="q2", indicators=[a]),
        make_question(title="q3", indicators=[a]),
        make_question(title="q4", indicators=[a2]),
        make_question(title="q5", indicators=[b]),
    ]
    return make_quiz(make_module(), questions, shuffle_choices=False, pass_mark=100)


@pytest.fixture
def course_index(framework) -> CourseIndexPage:
    index = CourseIndexPage(title="Courses", slug="courses")
    framework.add_child(instance=index)
    return index


def get(client, user) -> str:
    """The dashboard, in the learner's preferred language."""
    client.force_login(user)
    response = client.get(reverse("dashboard"))
    assert response.status_code == 200
    return response.content.decode()


def figures(html: str) -> dict[str, list[str]]:
    """Indicator label -> [questions, percent, level], from the section's table."""
    rows = tables(section(html))["mastery-indicators"][1:]
    return {row[0].split(" (")[0]: row[2:] for row in rows}


def weak_part(html: str) -> str:
    part = section(html)
    return part[part.index("Indicators to work on") :]


def answer(user, refs: list[str], *, right: int, when, tag: str = "") -> None:
    """One finished attempt at a new quiz: three questions on each indicator, `right` of
    each three answered right."""
    questions, right_titles = [], set()
    for ref in refs:
        for number in range(3):
            title = f"{user.email} {tag}{ref} {number}"
            questions.append(make_question(title=title, indicators=[indicator(ref)]))
            if number < right:
                right_titles.add(title)
    take_quiz(
        user, make_quiz(make_module(), questions, shuffle_choices=False), when, right=right_titles
    )


def graded_on(refs: list[str], *, email: str, right: int = 0) -> User:
    user = User.objects.create_user(email=email, password="pw-0123456789")
    answer(user, refs, right=right, when=T1)
    return user


def ref_ids(count: int) -> list[str]:
    """The first indicators in the frameworks' order (the report's order)."""
    return list(Indicator.objects.values_list("ref_id", flat=True)[:count])


# --- kept rendered ---------------------------------------------------------------------------


def test_a_dashboard_shown_again_serves_the_kept_section(client, learner, quiz, monkeypatch):
    take_quiz(learner, quiz, T1, right={"q1", "q2", "q5"})
    first = get(client, learner)

    def render_again(request):
        raise AssertionError("the section was rendered again")

    monkeypatch.setattr(mastery_dashboard, "render_section", render_again)
    with CaptureQueriesContext(connection) as queries:
        again = get(client, learner)
    assert section(again) == section(first)
    read = " ".join(query["sql"] for query in queries.captured_queries)
    for table in ("quizzes_attemptquestion", "framework_content_indicator"):
        assert table not in read


def test_a_finished_attempt_replaces_the_kept_section_at_once(client, learner, quiz):
    take_quiz(learner, quiz, T1, right={"q1", "q2", "q5"})  # A 2/3 = 66 %
    assert figures(get(client, learner))[label(A)] == ["3", "66%", "Developing"]
    take_quiz(learner, quiz, T2, right={"q1", "q2", "q3", "q5"})  # A 3/3
    assert figures(get(client, learner))[label(A)] == ["3", "100%", "Mastered"]


def test_an_attempt_by_another_learner_leaves_the_kept_section_alone(client, learner, quiz):
    take_quiz(learner, quiz, T1, right={"q1", "q2", "q5"})
    token = answer_versions.answer_tokens([learner.pk])[learner.pk]
    other = User.objects.create_user(email="jorge@example.org", password="pw-0123456789")
    take_quiz(other, quiz, T1, right={"q1", "q2", "q3", "q4", "q5"})
    assert answer_versions.answer_tokens([learner.pk])[learner.pk] == token
    # Each learner sees their own figures, never the other's kept section.
    assert figures(get(client, learner))[label(A)][1] == "66%"
    assert figures(get(client, other))[label(A)][1] == "100%"
    assert figures(get(client, learner))[label(A)][1] == "66%"


def test_a_renamed_indicator_shows_at_once(client, learner, quiz):
    take_quiz(learner, quiz, T1, right={"q1"})
    assert label(A) in section(get(client, learner))
    renamed = indicator(A)
    renamed.title = "Whole-of-government coordination"
    renamed.save()
    part = section(get(client, learner))
    assert f"{renamed.code} Whole-of-government coordination" in part
    assert figures(get(client, learner))[f"{renamed.code} Whole-of-government coordination"] == [
        "3",
        "33%",
        "Needs work",
    ]


def test_a_page_published_for_a_weak_indicator_shows_at_once(client, learner, quiz):
    take_quiz(learner, quiz, T1, right=set())
    assert "Access to services" not in weak_part(get(client, learner))
    module = make_module("P2")
    module.add_child(instance=lesson("Access to services", [indicator(B)]))
    assert "Access to services" in weak_part(get(client, learner))


def test_french_and_english_copies_are_kept_apart(client, learner, quiz):
    take_quiz(learner, quiz, T1, right={"q1", "q2", "q5"})  # A developing
    english = section(get(client, learner))
    learner.preferred_language = "fr"
    learner.save()
    french = section(get(client, learner))
    learner.preferred_language = "en"
    learner.save()
    again = section(get(client, learner))

    assert "Mastery by indicator" in english and "Developing" in english
    assert "Maîtrise par indicateur" not in english
    assert "Maîtrise par indicateur" in french
    assert "Mastery by indicator" not in french and "Developing" not in french
    assert "En cours d’acquisition" in french and "En cours d’acquisition" not in english
    assert again == english
    # Both copies carry the same figures.
    rows = tables(french)["mastery-indicators"][1:]
    assert [row[2] for row in rows] == [row[2] for row in tables(english)["mastery-indicators"][1:]]


def test_without_a_cache_the_section_is_rendered_every_time(client, learner, quiz, monkeypatch):
    monkeypatch.setattr(answer_versions, "answer_tokens", lambda user_ids: None)
    take_quiz(learner, quiz, T1, right={"q1", "q2", "q5"})
    assert figures(get(client, learner))[label(A)][1] == "66%"
    take_quiz(learner, quiz, T2, right={"q1", "q2", "q3"})
    assert figures(get(client, learner))[label(A)][1] == "100%"


# --- the weakest five ------------------------------------------------------------------------


def test_study_links_only_for_the_five_weakest_indicators(client, framework):
    refs = ref_ids(8)
    # Weakest first: 0/3 on the first four, 1/3 on the next four (ties keep the frameworks'
    # order); every indicator has lessons tagged with it, seven with the first.
    user = graded_on(refs[:4], email="weak@example.org", right=0)
    answer(user, refs[4:], right=1, when=T2)
    module = make_module("O2")
    for ref in refs:
        for number in range(7 if ref == refs[0] else 1):
            module.add_child(instance=lesson(f"Study {ref} {number}", [indicator(ref)]))

    report = reports.learner_mastery(user)
    assert [weak.indicator.ref_id for weak in report.weak] == refs[:5]
    assert [row.obj.ref_id for row in report.also_weak] == refs[5:]

    part = weak_part(get(client, user))
    studied = re.findall(r"<h4><a [^>]*>([^<]+)</a></h4>", part)
    assert studied == [label(ref) for ref in refs[:5]]
    for ref in refs[1:5]:
        assert f"Study {ref} 0" in part
    for ref in refs[5:]:
        assert f"Study {ref} 0" not in part  # named, not studied here
    # The rest: named with their figures, linked to their indicator's page.
    rest = part[part.index('id="mastery-also-weak-heading"') :]
    assert "3 more indicators below 80%" in rest
    for ref in refs[5:]:
        found = indicator(ref)
        assert f"/{found.domain.framework.slug}/{found.slug}/" in rest
        assert f"{found.code} {found.title}</a>" in rest
        assert "33% · Needs work" in rest
    # Five links of a kind at most, then the indicator's page for the rest.
    first = part[: part.index(f"{label(refs[1])}</a></h4>")]
    assert first.count(f"Study {refs[0]} ") == 5
    assert f"And 2 more tagged with {indicator(refs[0]).code}" in first


def test_five_weak_indicators_or_fewer_are_all_studied(client, learner, quiz):
    take_quiz(learner, quiz, T1, right=set())
    report = reports.learner_mastery(learner)
    assert len(report.weak) == 3 and report.also_weak == ()
    assert "more indicator" not in weak_part(get(client, learner))


# --- queries -------------------------------------------------------------------------------


def _enrolled(user, course_index, courses: int) -> None:
    now = timezone.now()
    for number in range(courses):
        small = make_small_course(course_index, f"Course {user.email} {number}")
        services.enrol(user=user, course=small.course, now=now)
        services.complete_item(user=user, page=small.lessons[0][0], now=now)


def _warm_count(client, user) -> int:
    client.force_login(user)
    assert client.get(reverse("dashboard")).status_code == 200  # warm the caches
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("dashboard")).status_code == 200
    return len(queries)


def test_the_dashboard_queries_do_not_grow_with_indicators_or_courses(
    client, course_index, django_assert_max_num_queries
):
    small = graded_on(ref_ids(2), email="small@example.org", right=1)
    large = graded_on(ref_ids(24), email="large@example.org", right=1)
    _enrolled(small, course_index, 1)
    _enrolled(large, course_index, 4)
    counts = [_warm_count(client, user) for user in (small, large)]
    assert counts[0] == counts[1]
    # Session and user: the courses, the cohorts and the mastery section come from the cache.
    with django_assert_max_num_queries(2):
        client.get(reverse("dashboard"))


def test_a_new_attempt_costs_a_bounded_number_of_queries(
    client, course_index, django_assert_max_num_queries
):
    refs = ref_ids(24)
    user = graded_on(refs, email="large@example.org", right=1)
    _enrolled(user, course_index, 3)
    quiz = make_quiz(
        make_module(),
        [make_question(title=f"again {ref}", indicators=[indicator(ref)]) for ref in refs],
        shuffle_choices=False,
    )
    _warm_count(client, user)
    take_quiz(user, quiz, T2, right=set())
    # The section rebuilt from the answers (their indicators and the weakest five's study
    # links are still kept: the content did not change), and the courses part from the
    # enrolments, the learner's completed items and recent activity (an attempt renews
    # their progress token), on top of the usual ones.
    with CaptureQueriesContext(connection) as queries:
        html = client.get(reverse("dashboard")).content.decode()
    assert len(queries) == _warm_count(client, user) + 4
    assert len(figures(html)) == 24
    assert figures(html)[label(refs[0])] == ["4", "25%", "Needs work"]


def test_titles_in_the_rows_and_the_list_are_escaped(client, framework):
    """The tables' rows and the list of other weak indicators are written in Python
    (quizzes/templatetags/mastery_tags.py): what an editor types is escaped there as the
    template engine would."""
    refs = ref_ids(7)  # all weak: five studied, two in the list
    typed = 'Rights & "duties" <b>now</b>'
    last = indicator(refs[6])
    last.title = typed
    last.save()
    last.domain.title = typed
    last.domain.save()
    user = graded_on(refs, email="typed@example.org", right=0)

    html = get(client, user)

    assert "<b>now</b>" not in html
    escaped = "Rights &amp; &quot;duties&quot; &lt;b&gt;now&lt;/b&gt;"
    part = section(html)
    indicators = part[part.index('id="mastery-indicators"') : part.index('id="mastery-domains"')]
    domains = part[part.index('id="mastery-domains"') : part.index('id="mastery-weak-heading"')]
    rest = part[part.index('id="mastery-also-weak-heading"') :]
    assert f"{last.code} {escaped}</a>" in indicators
    assert f"<td>{last.domain.code} {escaped}</td>" in indicators
    assert f"{last.domain.code} {escaped}</th>" in domains
    assert f"{last.code} {escaped}</a>" in rest
