"""The demo question bank and quizzes (quizzes/data/demo_questions.yaml) as `seed_demo`
loads them, on top of the demo modules, courses and case studies.

Loading everything takes a while, so the tests share one loaded state: a module-scoped
fixture loads it inside a transaction that is rolled back after the last test, and each test
runs in a savepoint inside it, as usual.
"""

from __future__ import annotations

import copy
import random
from collections import Counter

import pytest
from django.db import transaction
from django.utils import timezone
from wagtail.models import Revision

from case_studies.models import CaseStudyPage
from framework_content.models import LessonPage, ModulePage
from quizzes.answers import parse_answers
from quizzes.attempts import start_attempt, submit_attempt
from quizzes.demo import DemoDataError, load_demo_quizzes, read_demo
from quizzes.models import Question, QuestionChoice, QuizPage
from quizzes.questions import QuestionKind
from quizzes.selectors import _pool, draw_shortfalls
from tests.quizzes.builders import form, right_fields

pytestmark = pytest.mark.django_db

DATA = read_demo()
TITLES = [spec["title"] for spec in DATA["questions"]]


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The framework, demo content, courses, case studies and quizzes, loaded once."""
    from wagtail.models import Site

    from case_studies.demo import load_demo_case_studies
    from courses.demo import load_demo_courses
    from framework_content.demo import load_demo_content
    from framework_content.loading import load_framework

    with django_db_blocker.unblock(), transaction.atomic():
        site = Site.objects.filter(is_default_site=True).first()
        if site is None or site.root_page.specific_class.__name__ != "HomePage":
            from tests.sitebase import ensure_site_base

            ensure_site_base()  # after a transactional test emptied the database
            load_framework()
        load_demo_content()
        load_demo_courses()
        load_demo_case_studies()
        report = load_demo_quizzes()
        yield report
        transaction.set_rollback(True)


def _questions():
    return Question.objects.filter(title__in=TITLES).prefetch_related(
        "choices", "pairs", "accepted_answers", "indicators", "migof_elements"
    )


def _quizzes():
    return QuizPage.objects.filter(slug="check-your-understanding").order_by("path")


def _element_of(quiz: QuizPage):
    return quiz.get_parent().get_parent().specific


def _fixed_ids(quiz: QuizPage) -> list[int]:
    return [b["value"] for b in quiz.content.raw_data if b["type"] == "question"]


def _draws(quiz: QuizPage) -> list[dict]:
    return [b["value"] for b in quiz.content.raw_data if b["type"] == "random"]


def test_every_demo_module_has_one_live_quiz_after_its_lessons(demo, framework):
    assert demo.created == {"question": len(TITLES), "quiz": 6}
    quizzes = list(_quizzes())
    assert len(quizzes) == 6
    modules = {quiz.get_parent().pk for quiz in quizzes}
    assert modules == set(ModulePage.objects.filter(pk__in=modules).values_list("pk", flat=True))
    assert len(modules) == 6
    assert sorted(_element_of(q).code for q in quizzes) == ["O1", "O2", "O3", "P1", "P2", "P3"]
    for quiz in quizzes:
        assert quiz.live and quiz.intro
        assert quiz.pass_mark == 70
        assert quiz.review_timing == "immediately"
        assert quiz.review_correct_answers and quiz.review_feedback and quiz.review_score
        lessons = LessonPage.objects.child_of(quiz.get_parent())
        assert lessons.exists()
        assert not lessons.filter(path__gt=quiz.path).exists()
        assert _fixed_ids(quiz) and _draws(quiz)
    timed = [q for q in quizzes if q.time_limit_minutes]
    assert len(timed) == 1
    assert (timed[0].time_limit_minutes, timed[0].attempts_allowed) == (10, 3)
    assert "10 minutes" in timed[0].intro and "3 attempts" in timed[0].intro
    assert all(q.attempts_allowed == 0 for q in quizzes if q not in timed)


def test_the_bank_covers_every_kind_with_tags_explanations_and_feedback(demo, framework):
    questions = list(_questions())
    assert len(questions) == len(TITLES)
    kinds = Counter(q.kind for q in questions)
    assert set(kinds) == set(QuestionKind) and min(kinds.values()) >= 2, kinds
    assert {q.difficulty for q in questions} == {"easy", "medium", "hard"}
    assert {q.language for q in questions} == {"en"}
    multiple = [q for q in questions if q.kind == QuestionKind.MULTIPLE_RESPONSE]
    assert {q.partial_credit for q in multiple} == {"all_or_nothing", "right_minus_wrong"}
    short = [q for q in questions if q.kind == QuestionKind.SHORT_ANSWER]
    assert any("*" in a.text for q in short for a in q.accepted_answers.all())
    for question in questions:
        assert 1 <= len(question.indicators.all()) <= 3, question
        assert len(question.migof_elements.all()) == 1, question
        assert question.explanation, question
        if question.kind in (QuestionKind.SINGLE_CHOICE, QuestionKind.MULTIPLE_RESPONSE):
            wrong = [c for c in question.choices.all() if not c.correct]
            assert wrong and all(c.feedback for c in wrong), question
        if question.kind == QuestionKind.TRUE_FALSE:
            assert sorted(c.key for c in question.choices.all()) == ["false", "true"]
            assert all(c.feedback for c in question.choices.all() if not c.correct), question


def test_each_case_study_is_the_scenario_of_its_elements_quiz(demo, framework, django_user_model):
    user = django_user_model.objects.create_user(email="s@example.org", password="pw-0123456789")
    quiz_of = {_element_of(quiz).pk: quiz for quiz in _quizzes()}
    case_studies = CaseStudyPage.objects.prefetch_related("indicators", "migof_elements")
    assert case_studies.count() >= 6
    for case in case_studies:
        scenario = list(_questions().filter(case_study=case))
        assert len(scenario) >= 2, case.slug
        elements = {e.pk for e in case.migof_elements.all()}
        for question in scenario:
            tags = {i.pk for i in question.indicators.all()}
            assert tags <= {i.pk for i in case.indicators.all()}, question
            assert {e.pk for e in question.migof_elements.all()} <= elements, question
        (element,) = elements
        quiz = quiz_of[element]
        assert {q.pk for q in scenario} <= set(_fixed_ids(quiz)), case.slug
        attempt = start_attempt(user=user, quiz=quiz, now=timezone.now())
        shown = [i for i in attempt.items.all() if i.question_id in {q.pk for q in scenario}]
        assert len(shown) == len(scenario)
        assert {i.snapshot["case_study"]["id"] for i in shown} == {case.pk}
        assert all(case.summary == i.snapshot["case_study"]["summary"] for i in shown)


def test_every_draw_is_satisfiable_from_its_own_element(demo, framework):
    for quiz in _quizzes():
        assert draw_shortfalls(quiz) == []
        quiz.full_clean()
        element = _element_of(quiz)
        fixed = set(_fixed_ids(quiz))
        for draw in _draws(quiz):
            pool = {qid for qid, _case in _pool(quiz, draw)} - fixed
            assert len(pool) > draw["count"], quiz.title
            drawn = Question.objects.filter(pk__in=pool)
            assert not drawn.exclude(migof_elements=element).exists(), quiz.title
            assert not drawn.exclude(case_study=None).exists(), quiz.title


def test_answering_everything_right_scores_full_marks(demo, framework, django_user_model, client):
    user = django_user_model.objects.create_user(email="r@example.org", password="pw-0123456789")
    for seed, quiz in enumerate(_quizzes()):
        now = timezone.now()
        attempt = start_attempt(user=user, quiz=quiz, now=now, rng=random.Random(seed))
        items = list(attempt.items.order_by("position"))
        expected = len(_fixed_ids(quiz)) + sum(d["count"] for d in _draws(quiz))
        assert len(items) == expected, quiz.title
        shown = {i.position: (i.snapshot["kind"], i.snapshot["display"]) for i in items}
        answers = parse_answers(shown, form(*(right_fields(i) for i in items)))
        finished = submit_attempt(attempt_id=attempt.pk, user=user, answers=answers, now=now)
        assert finished.percent == 100 and finished.passed, quiz.title
    client.force_login(user)
    assert client.get(_quizzes().first().url).status_code == 200


def _keys() -> dict[str, list[tuple[str, str]]]:
    return {
        q.title: [(c.key, c.text) for c in q.choices.all()]
        + [(p.key, p.prompt) for p in q.pairs.all()]
        for q in _questions()
    }


def _counts() -> tuple:
    return (
        Question.objects.count(),
        QuestionChoice.objects.count(),
        QuizPage.objects.count(),
        Revision.objects.count(),
    )


def test_loading_again_changes_nothing(demo, framework):
    keys, counts = _keys(), _counts()
    paths = list(_quizzes().values_list("path", "latest_revision_id"))
    report = load_demo_quizzes()
    assert not report.changed
    assert (_keys(), _counts()) == (keys, counts)
    assert list(_quizzes().values_list("path", "latest_revision_id")) == paths


def test_an_edited_question_is_updated_in_place_keeping_its_keys(demo, framework):
    title = "P1: Reviewing access to a service"
    before = dict(_keys()[title])
    data = copy.deepcopy(DATA)
    spec = next(s for s in data["questions"] if s["title"] == title)
    spec["choices"][1]["text"] = "Check the law only; if it grants the right, stop there."
    spec["choices"].append({"text": "A new wrong choice.", "feedback": "Why it is wrong."})
    revisions = Revision.objects.count()
    report = load_demo_quizzes(data)
    assert report.updated == {"question": 1} and not report.created
    assert Revision.objects.count() == revisions + 1
    after = dict(_keys()[title])
    old_keys = list(before)
    assert list(after)[:4] == old_keys  # every choice keeps its key, the edited one too
    assert after[old_keys[1]] == spec["choices"][1]["text"]
    new_key = list(after)[4]
    assert new_key not in old_keys and new_key.startswith("c")


def test_a_missing_case_study_is_named(demo, framework):
    data = copy.deepcopy(DATA)
    data["questions"][-1]["case_study"] = "no-such-case-study"
    with pytest.raises(DemoDataError, match="no-such-case-study.*load the demo case studies"):
        load_demo_quizzes(data)


def test_an_editor_can_open_the_demo_quizzes_and_questions(demo, framework, staff_mfa, client):
    from django.contrib.auth import get_user_model
    from django.urls import reverse

    admin = get_user_model().objects.create_superuser(
        email="admin@example.org", password="pw-0123456789"
    )
    staff_mfa(admin)
    client.force_login(admin)
    quiz = _quizzes().last()
    response = client.get(reverse("wagtailadmin_pages:edit", args=[quiz.pk]))
    assert response.status_code == 200
    for question in _questions().filter(pk__in=_fixed_ids(quiz)):
        url = reverse("wagtailsnippets_quizzes_question:edit", args=[question.pk])
        assert client.get(url).status_code == 200, question
