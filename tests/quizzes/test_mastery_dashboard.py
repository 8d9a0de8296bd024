"""The learner dashboard's "Mastery by indicator" section: the numbers a learner sees after
answering known questions, the latest answer replacing an older one, study links for the
weak indicators, each bar agreeing with its number, the empty state, and query bounds."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from wagtail.models import PageViewRestriction

from accounts.models import User
from framework_content.models import LessonPage
from quizzes import attempts, reports
from quizzes.dashboard import STYLESHEET
from quizzes.mastery import MASTERED_AT, Level
from quizzes.models import Question
from tests.quizzes.builders import indicator, make_module, make_question, make_quiz

pytestmark = pytest.mark.django_db

T1 = datetime(2025, 3, 14, 9, 0, tzinfo=UTC)
T2 = T1 + timedelta(days=2)
A, A2, B = "EIU16-1.1", "EIU16-1.2", "EIU16-2.1"  # A and A2 share a domain; B is in another


# --- helpers ---------------------------------------------------------------------------


class _Tables(HTMLParser):
    """Cell texts of each table on a page, by the table's id: {id: [[cell, ...], ...]}."""

    def __init__(self):
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._table = None
        self._row: list[str] | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table":
            self._table = attrs.get("id", "")
            self.tables[self._table] = []
        elif tag == "tr" and self._table is not None:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.tables[self._table].append(self._row)
            self._row = None
        elif tag == "table":
            self._table = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def tables(html: str) -> dict[str, list[list[str]]]:
    parser = _Tables()
    parser.feed(html)
    return parser.tables


def section(html: str) -> str:
    """The mastery section of the dashboard."""
    start = html.index('<section class="mastery"')
    return html[start : html.index("</section>", start)]


def take(user, quiz, now, *, right: set[str]) -> None:
    """A finished attempt answering right exactly the questions titled in `right`."""
    attempt = attempts.start_attempt(user=user, quiz=quiz, now=now)
    answers = {}
    for item in attempt.items.all():
        is_right = item.snapshot["title"] in right
        answers[item.position] = next(
            c["key"] for c in item.snapshot["choices"] if c["correct"] == is_right
        )
    attempts.submit_attempt(
        attempt_id=attempt.pk, user=user, answers=answers, now=now + timedelta(minutes=10)
    )


def lesson(title: str, indicators, **fields) -> LessonPage:
    return LessonPage(
        title=title,
        slug=re.sub(r"\W+", "-", title.lower()),
        body=[{"type": "paragraph", "value": f"<p>{title}.</p>"}],
        indicators=indicators,
        **fields,
    )


def label(ref_id: str) -> str:
    found = indicator(ref_id)
    return f"{found.code} {found.title}"


@pytest.fixture
def learner(framework) -> User:
    return User.objects.create_user(
        email="amina@example.org", password="pw-0123456789", full_name="Amina Diallo"
    )


@pytest.fixture
def quiz(framework):
    """Five single-choice questions: q1-q3 on A (1 point), q4 on A and A2 (2 points), q5 on B."""
    a, a2, b = indicator(A), indicator(A2), indicator(B)
    questions = [
        make_question(title="q1", indicators=[a]),
        make_question(title="q2", indicators=[a]),
        make_question(title="q3", indicators=[a]),
        make_question(title="q4", indicators=[a, a2], points=2),
        make_question(title="q5", indicators=[b]),
    ]
    return make_quiz(make_module(), questions, shuffle_choices=False, pass_mark=100)


def dashboard(client, user) -> str:
    client.force_login(user)
    response = client.get(reverse("dashboard"))
    assert response.status_code == 200
    return response.content.decode()


# --- what the learner sees ---------------------------------------------------------------


def test_the_dashboard_shows_the_share_of_marks_per_indicator_and_domain(client, learner, quiz):
    # A: q1 1/1, q2 0/1, q3 0/1, q4 2/2 -> 3/5 = 60 %, 4 questions: developing.
    # A2: q4 2/2 = 100 %, 1 question: not enough evidence. B: q5 1/1 = 100 %, 1 question.
    take(learner, quiz, T1, right={"q1", "q4", "q5"})
    html = dashboard(client, learner)
    found = tables(section(html))

    rows = {row[0].split(" (")[0]: row for row in found["mastery-indicators"][1:]}
    assert rows[label(A)][2:] == ["4", "60%", "Developing"]
    assert rows[label(A2)][2:] == ["1", "100%", "Not enough evidence yet"]
    assert rows[label(B)][2:] == ["1", "100%", "Not enough evidence yet"]
    assert rows[label(A)][1] == f"{indicator(A).domain.code} {indicator(A).domain.title}"

    # Domain of A and A2 pools q1-q4 once each: 3/5 = 60 %; B's domain: q5 alone.
    domains = {row[0]: row for row in found["mastery-domains"][1:]}
    a_domain, b_domain = indicator(A).domain, indicator(B).domain
    assert domains[f"{a_domain.code} {a_domain.title}"][2:] == ["4", "60%", "Developing"]
    assert domains[f"{b_domain.code} {b_domain.title}"][2:] == [
        "1",
        "100%",
        "Not enough evidence yet",
    ]
    assert "Mastery by indicator" in html
    assert "Only your latest answer to each question counts" in html
    assert "mastered from 80%" in html and "at least 3 questions" in html


def test_a_later_attempt_replaces_the_older_answers(client, learner, quiz):
    take(learner, quiz, T1, right={"q1", "q4", "q5"})
    # Latest: q1 0/1, q2 1/1, q3 1/1, q4 2/2 -> A = 4/5 = 80 %: mastered; B: q5 0/1 = 0 %.
    take(learner, quiz, T2, right={"q2", "q3", "q4"})
    found = tables(section(dashboard(client, learner)))
    rows = {row[0].split(" (")[0]: row for row in found["mastery-indicators"][1:]}
    assert rows[label(A)][2:] == ["4", "80%", "Mastered"]
    assert rows[label(B)][2:] == ["1", "0%", "Not enough evidence yet"]

    report = reports.learner_mastery(learner)
    assert [weak.indicator.ref_id for weak in report.weak] == [B]  # 80 % is not weak; 0 % is
    assert {row.obj.ref_id: row.mastery.level for row in report.indicators}[A] == Level.MASTERED


def test_a_cached_report_gives_way_to_the_next_attempt_at_once(client, learner, quiz):
    """Reports are cached per learner (quizzes.answer_versions): a new attempt shows."""
    take(learner, quiz, T1, right={"q1", "q4", "q5"})
    first = tables(section(dashboard(client, learner)))
    assert reports.learner_mastery(learner) == reports.learner_mastery(learner)  # cached
    take(learner, quiz, T2, right={"q2", "q3", "q4"})
    later = tables(section(dashboard(client, learner)))
    assert later != first
    rows = {row[0].split(" (")[0]: row for row in later["mastery-indicators"][1:]}
    assert rows[label(A)][2:] == ["4", "80%", "Mastered"]
    by_user = reports.mastery_by_user([learner.pk])
    assert {m.id: m.percent for m in by_user[learner.pk].indicators}[indicator(A).pk] == 80


def test_an_attempt_still_in_progress_does_not_count(client, learner, quiz):
    take(learner, quiz, T1, right={"q1", "q2", "q3", "q4", "q5"})
    open_attempt = attempts.start_attempt(user=learner, quiz=quiz, now=T2)
    wrong = {
        item.position: next(c["key"] for c in item.snapshot["choices"] if not c["correct"])
        for item in open_attempt.items.all()
    }
    attempts.save_answers(attempt_id=open_attempt.pk, user=learner, answers=wrong, now=T2)
    rows = tables(section(dashboard(client, learner)))["mastery-indicators"]
    assert {row[0].split(" (")[0]: row[3] for row in rows[1:]}[label(A)] == "100%"


def test_weak_indicators_link_to_their_live_modules_lessons_and_case_studies(
    client, learner, quiz, framework
):
    from case_studies.models import CaseStudyIndexPage, CaseStudyPage

    b = indicator(B)
    module = make_module("P2")
    module.indicators = [b]
    module.title = "Social services module"
    module.save_revision().publish()
    live = lesson("Access to services", [b])
    module.add_child(instance=live)
    draft = lesson("Draft on services", [b], live=False)
    module.add_child(instance=draft)
    hidden_module = make_module("P3")
    hidden = lesson("Members only", [b])
    hidden_module.add_child(instance=hidden)
    PageViewRestriction.objects.create(page=hidden_module, restriction_type="login")
    index = CaseStudyIndexPage(title="Case studies", slug="case-studies-m")
    framework.add_child(instance=index)
    case = CaseStudyPage(
        title="Health cover for migrant workers",
        slug="health-cover",
        region="africa",
        summary="A scenario.",
        context="<p>Context.</p>",
        policy_response="<p>Response.</p>",
        indicators=[b],
    )
    index.add_child(instance=case)

    take(learner, quiz, T1, right={"q1", "q2", "q3", "q4"})  # A 100 %, B 0 %
    part = section(dashboard(client, learner))
    weak = part[part.index("Indicators to work on") :]
    assert label(B) in weak and label(A) not in weak
    for page in (module, live, case):
        assert f'href="{page.url}"' in weak, page.title
    assert "Draft on services" not in weak
    assert "Members only" not in weak
    assert weak.index("Modules") < weak.index("Lessons") < weak.index("Case studies")
    assert "Nothing tagged yet" not in weak


def test_a_weak_indicator_with_nothing_tagged_says_so(client, learner, quiz):
    take(learner, quiz, T1, right=set())
    part = section(dashboard(client, learner))
    weak = part[part.index("Indicators to work on") :]
    assert label(A) in weak and label(B) in weak
    assert weak.count("Nothing tagged yet") == 3  # A, A2 and B


def test_each_rows_bar_draws_the_percent_written_beside_it(client, learner, quiz):
    """The bars sit in the table's Percent cells (no separate chart repeating the table):
    each is as long as the number beside it, coloured by the row's level, hidden from
    assistive technology, and sized by a class, never an inline style (a strict CSP)."""
    take(learner, quiz, T1, right={"q1", "q4", "q5"})
    take(learner, quiz, T2, right={"q2"})
    part = section(dashboard(client, learner))
    table = part[part.index('id="mastery-indicators"') : part.index("</table>")]
    rows = re.findall(r"<tr><th scope=\"row\">.*?</tr>", table, re.S)
    figures = tables(part)["mastery-indicators"][1:]
    assert len(rows) == len(figures) == 3
    levels = {str(label): level.value for level, label in reports.LEVEL_LABELS.items()}
    for row, cells in zip(rows, figures, strict=True):
        percent = cells[3].removesuffix("%")
        bar = re.search(
            r'<td class="mastery-percent">(\d+)%<span class="mastery-bar mastery-bar--(\w+)" '
            r'aria-hidden="true"><span class="mastery-bar__fill mastery-w(\d+)"></span></span>'
            r"</td>",
            row,
        )
        assert bar, row
        assert bar.group(1) == bar.group(3) == percent  # as long as the number says
        assert bar.group(2) == levels[cells[4]]
    assert "<svg" not in part and "<figure" not in part and "style=" not in part
    assert "The dark line marks 80%" in part


def test_the_stylesheet_draws_every_width_and_the_mastered_mark():
    """mastery.css has a class for every percent a bar can take, and its mark sits at
    MASTERED_AT (the number the sentence above the table gives)."""
    css = Path(finders.find(STYLESHEET)).read_text()
    for percent in range(101):
        assert f".mastery-w{percent} {{ width: {percent}%; }}" in css
    mark = css[css.index(".mastery-bar::after") :]
    assert f"left: {MASTERED_AT}%;" in mark[: mark.index("}")]


def test_a_learner_without_graded_answers_sees_one_sentence(client, learner, quiz):
    part = section(dashboard(client, learner))
    assert "Mastery by indicator" in part
    assert "once it is submitted, your mastery of each indicator" in part
    assert "<table" not in part and "<figure" not in part
    assert "Indicators to work on" not in part


def test_answers_to_a_question_deleted_since_still_count(learner, quiz):
    take(learner, quiz, T1, right={"q1", "q2", "q3", "q4"})
    Question.objects.get(title="q5").delete()
    report = reports.learner_mastery(learner)
    by_ref = {row.obj.ref_id: row for row in report.indicators}
    assert by_ref[B].percent == 0 and by_ref[B].questions == 1
    assert by_ref[A].percent == 100


def test_the_stylesheet_is_linked_in_the_head(client, learner, quiz):
    html = dashboard(client, learner)
    head = html[: html.index("</head>")]
    assert "quizzes/mastery.css" in head


# --- queries ------------------------------------------------------------------------------


def _tagged_content(ref_ids, count):
    module = make_module("O1")
    for number in range(count):
        module.add_child(instance=lesson(f"Lesson {number}", [indicator(r) for r in ref_ids]))
    return module


def _learner_with(email, quiz_count, questions_per_quiz, ref_ids, retakes):
    user = User.objects.create_user(email=email, password="pw-0123456789")
    for number in range(quiz_count):
        questions = [
            make_question(
                title=f"{email} {number}.{q}", indicators=[indicator(ref_ids[q % len(ref_ids)])]
            )
            for q in range(questions_per_quiz)
        ]
        quiz = make_quiz(make_module(), questions, shuffle_choices=False)
        for retake in range(retakes):
            take(user, quiz, T1 + timedelta(days=retake), right={questions[0].title})
    return user


def test_mastery_is_read_in_a_fixed_number_of_queries(framework, django_assert_num_queries):
    small_refs, large_refs = [A, B], [A, A2, B, "EIU16-1.3", "EIU16-1.4", "EIU16-2.2"]
    _tagged_content(large_refs, 4)
    small = _learner_with("small@example.org", 1, 2, small_refs, retakes=1)
    large = _learner_with("large@example.org", 3, 6, large_refs, retakes=3)
    reports.learner_mastery(small)  # warm the caches (site root paths, small's study links)
    # A learner's report is cached until they finish an attempt: none for small now.
    with django_assert_num_queries(0):
        small_report = reports.learner_mastery(small)
    # Answers, indicators, private sections, then modules, lessons, case studies (the study
    # links of the indicators small's report did not cache already would be 6 all the same).
    with django_assert_num_queries(6):
        large_report = reports.learner_mastery(large)
    with django_assert_num_queries(0):
        assert reports.learner_mastery(large) == large_report
    assert len(small_report.indicators) == 2 and len(large_report.indicators) == 6
    assert all(weak.groups for weak in large_report.weak)


def test_the_dashboard_queries_do_not_grow_with_attempts(client, framework):
    small = _learner_with("small@example.org", 1, 2, [A, B], retakes=1)
    large = _learner_with("large@example.org", 3, 5, [A, A2, B, "EIU16-1.3"], retakes=3)
    counts = []
    for user in (small, large):
        client.force_login(user)
        assert client.get(reverse("dashboard")).status_code == 200  # warm the caches
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("dashboard")).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
