"""The question bank: per-kind rules, stable keys, plain-data snapshots, the import service."""

from __future__ import annotations

import dataclasses

import pytest
from django.core.exceptions import ValidationError

from accounts.models import User
from framework_content.models import Indicator
from quizzes import services
from quizzes.formats.gift import parse_gift, write_gift
from quizzes.formats.moodle_xml import parse_moodle_xml, write_moodle_xml
from quizzes.formats.report import ImportedQuestion, ImportReport
from quizzes.grading import grade
from quizzes.models import AcceptedAnswer, Question, QuestionChoice, QuestionMatchPair
from quizzes.questions import QuestionKind
from tests.quizzes import samples

pytestmark = pytest.mark.django_db


@pytest.fixture
def indicator(framework) -> Indicator:
    return Indicator.objects.get(ref_id="EIU16-1.1")


@pytest.fixture
def user(db) -> User:
    return User.objects.create_user(email="author@example.org", password="pw-0123456789")


def question(kind: QuestionKind, *, choices=(), pairs=(), answers=()) -> Question:
    q = Question(title="Q", kind=kind.value, stem="<p>Which?</p>")
    q.choices = [QuestionChoice(text=text, correct=correct) for text, correct in choices]
    q.pairs = [QuestionMatchPair(prompt=p, answer=a) for p, a in pairs]
    q.accepted_answers = [AcceptedAnswer(text=a) for a in answers]
    return q


VALID = [
    question(QuestionKind.SINGLE_CHOICE, choices=[("A", True), ("B", False)]),
    question(QuestionKind.MULTIPLE_RESPONSE, choices=[("A", True), ("B", True), ("C", False)]),
    question(QuestionKind.TRUE_FALSE, choices=[("True", False), ("False", True)]),
    question(QuestionKind.MATCHING, pairs=[("P1", "a"), ("O1", "b")]),
    question(QuestionKind.ORDERING, choices=[("Assess", False), ("Plan", False)]),
    question(QuestionKind.SHORT_ANSWER, answers=["Migration"]),
]
INVALID = [
    question(QuestionKind.SINGLE_CHOICE, choices=[("A", True)]),
    question(QuestionKind.SINGLE_CHOICE, choices=[("A", True), ("B", True)]),
    question(QuestionKind.SINGLE_CHOICE, choices=[("A", False), ("B", False)]),
    question(QuestionKind.MULTIPLE_RESPONSE, choices=[("A", False), ("B", False)]),
    question(QuestionKind.TRUE_FALSE, choices=[]),
    question(QuestionKind.TRUE_FALSE, choices=[("True", True), ("False", True)]),
    question(QuestionKind.TRUE_FALSE, choices=[("Maybe", True), ("False", False)]),
    question(QuestionKind.MATCHING, pairs=[("P1", "a")]),
    question(QuestionKind.ORDERING, choices=[("Assess", False)]),
    question(QuestionKind.SHORT_ANSWER),
]


@pytest.mark.parametrize("q", VALID, ids=lambda q: q.kind)
def test_a_complete_question_of_each_kind_is_valid(q):
    q.full_clean()


@pytest.mark.parametrize("q", INVALID, ids=lambda q: q.kind)
def test_an_incomplete_question_is_refused(q):
    with pytest.raises(ValidationError):
        q.full_clean()


def test_true_false_gets_its_missing_choice():
    q = question(QuestionKind.TRUE_FALSE, choices=[("True", True)])
    q.full_clean()
    assert [(c.key, c.correct) for c in q.choices.all()] == [("true", True), ("false", False)]


def test_choice_keys_are_set_once_and_never_reused(indicator):
    q = question(QuestionKind.SINGLE_CHOICE, choices=[("A", True), ("B", False), ("C", False)])
    q.indicators = [indicator]
    q.full_clean()
    q.save()
    assert [c.key for c in Question.objects.get(pk=q.pk).choices.all()] == ["c1", "c2", "c3"]
    q = Question.objects.get(pk=q.pk)
    kept = [c for c in q.choices.all() if c.key != "c3"]
    q.choices = [*kept, QuestionChoice(text="D")]
    q.full_clean()
    q.save()
    assert [c.key for c in Question.objects.get(pk=q.pk).choices.all()] == ["c1", "c2", "c4"]


def report_of(*questions, rejected=()) -> ImportReport:
    items = [ImportedQuestion(i, q.title, q) for i, q in enumerate(questions, start=1)]
    items += [
        ImportedQuestion(len(items) + n, "bad", None, error=reason)
        for n, reason in enumerate(rejected, start=1)
    ]
    return ImportReport(items=items)


@pytest.mark.parametrize("sample", samples.ALL_KINDS, ids=lambda s: s.kind)
def test_to_data_round_trips_through_the_writers_and_grades(sample, indicator, user):
    tagged = dataclasses.replace(sample, tags=("EIU16-1.1",))
    [saved] = services.import_questions(report=report_of(tagged), default_indicators=[], user=user)
    data = Question.objects.get(pk=saved.pk).to_data()
    assert data.title == (tagged.title or tagged.stem)
    assert dataclasses.replace(data, stem="", title="") == dataclasses.replace(
        tagged, stem="", title=""
    )
    assert parse_moodle_xml(write_moodle_xml([data])).questions == [data]
    if data.kind != QuestionKind.ORDERING:
        assert parse_gift(write_gift([data])).questions == [data]
    right = {
        QuestionKind.SINGLE_CHOICE: next((c.key for c in data.choices if c.correct), None),
        QuestionKind.TRUE_FALSE: next((c.key for c in data.choices if c.correct), None),
        QuestionKind.MULTIPLE_RESPONSE: {c.key for c in data.choices if c.correct},
        QuestionKind.MATCHING: {p.key: p.answer for p in data.pairs},
        QuestionKind.ORDERING: [c.key for c in data.choices],
        QuestionKind.SHORT_ANSWER: "Migration",
    }[data.kind]
    assert grade(data, right).correct


def test_import_is_all_or_nothing(indicator, user):
    report = report_of(samples.SINGLE, samples.SHORT, rejected=["Numerical questions"])
    with pytest.raises(services.ImportRefused) as refused:
        services.import_questions(report=report, default_indicators=[indicator], user=user)
    assert refused.value.problems == [(3, "Numerical questions")]
    assert not Question.objects.exists()

    saved = services.import_questions(
        report=report, default_indicators=[indicator], user=user, allow_partial=True
    )
    assert Question.objects.count() == len(saved) == 2
    assert all(q.revisions.count() == 1 for q in saved)


def test_import_refuses_a_question_without_indicator(indicator, user):
    untagged = dataclasses.replace(samples.SHORT, tags=("NOT-AN-INDICATOR",))
    report = report_of(samples.SINGLE, untagged)
    with pytest.raises(services.ImportRefused) as refused:
        services.import_questions(report=report, default_indicators=[], user=user)
    assert [index for index, _reason in refused.value.problems] == [2]
    assert not Question.objects.exists()


def test_import_refuses_an_invalid_question_and_saves_nothing(indicator, user):
    two_right = dataclasses.replace(
        samples.SINGLE,
        choices=tuple(dataclasses.replace(c, correct=True) for c in samples.SINGLE.choices),
    )
    report = report_of(samples.SHORT, two_right)
    with pytest.raises(services.ImportRefused) as refused:
        services.import_questions(report=report, default_indicators=[indicator], user=user)
    assert [index for index, _reason in refused.value.problems] == [2]
    assert not Question.objects.exists()


def test_tags_become_indicators_and_defaults_fill_in(indicator, user, framework):
    other = Indicator.objects.exclude(pk=indicator.pk).first()
    untagged = dataclasses.replace(samples.SHORT, tags=())
    first, second = services.import_questions(
        report=report_of(samples.SINGLE, untagged), default_indicators=[other], user=user
    )
    assert list(first.indicators.all()) == [indicator]  # SDG-10.7.2-D1 is a domain: skipped
    assert list(second.indicators.all()) == [other]


def test_imported_html_is_sanitised(indicator, user):
    hostile = dataclasses.replace(
        samples.SINGLE, stem='<p onclick="x()">Hi <script>alert(1)</script><b>there</b></p>'
    )
    [saved] = services.import_questions(
        report=report_of(hostile), default_indicators=[indicator], user=user
    )
    assert "script" not in saved.stem and "onclick" not in saved.stem
    assert "<b>there</b>" in saved.stem


def test_export_gives_gift_and_xml(indicator, user):
    saved = services.import_questions(
        report=report_of(samples.SINGLE, samples.SHORT), default_indicators=[], user=user
    )
    assert len(parse_gift(services.export_questions(saved, "gift").decode()).questions) == 2
    assert len(parse_moodle_xml(services.export_questions(saved, "xml")).questions) == 2


def test_questions_never_appear_in_site_search(indicator, user, client):
    stem = dataclasses.replace(
        samples.SHORT, title="Quokka question", stem="Zanzibarian quokka governance?"
    )
    services.import_questions(report=report_of(stem), default_indicators=[], user=user)
    response = client.get("/search/", {"q": "quokka"})
    assert response.status_code == 200
    assert response.context["results"].total == 0
    html = response.content.decode()
    assert "Quokka question" not in html


def test_children_made_in_code_keep_the_order_given(indicator):
    """PostgreSQL sorts unset sort orders last and SQLite first: numbering them on clean
    keeps an ordering question's correct order (and a true/false pair's) on both."""
    ordering = question(
        QuestionKind.ORDERING, choices=[("Assess", False), ("Plan", False), ("Act", False)]
    )
    ordering.full_clean()
    ordering.save()
    fresh = Question.objects.get(pk=ordering.pk)
    assert [c.text for c in fresh.choices.all()] == ["Assess", "Plan", "Act"]
    true_false = question(QuestionKind.TRUE_FALSE, choices=[("False", True)])
    true_false.full_clean()
    true_false.save()
    fresh = Question.objects.get(pk=true_false.pk)
    assert [c.key for c in fresh.choices.all()] == ["false", "true"]
