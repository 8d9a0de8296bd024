"""The /courses/ catalogue: live courses, filters that combine, the learner's own state."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.utils import timezone

from courses import services
from courses.choices import Level
from courses.models import CoursePage

from .conftest import make_course, make_module, make_small_course

pytestmark = pytest.mark.django_db


@dataclass
class Shelf:
    index: object
    overview: object  # P2 + P3, introductory, English
    crises: object  # O2, advanced, French
    evidence: object  # P2, advanced, English
    draft: object  # unpublished


@pytest.fixture
def shelf(course_index) -> Shelf:
    overview = make_small_course(course_index, "Overview").course
    crises_module, _ = make_module("O2", "Crises")
    crises = make_course(
        course_index, "Crises", [crises_module], level=Level.ADVANCED, course_language="fr"
    )
    evidence_module, _ = make_module("P2", "Evidence")
    evidence = make_course(course_index, "Evidence", [evidence_module], level=Level.ADVANCED)
    draft = make_course(course_index, "Draft", [evidence_module])
    draft.unpublish()
    return Shelf(course_index, overview, crises, evidence, draft)


def listed(client, shelf: Shelf, **params) -> set[str]:
    response = client.get(shelf.index.url, params)
    assert response.status_code == 200
    entries = response.context["catalogue"].entries
    html = response.content.decode()
    titles = {entry.course.title for entry in entries}
    for course in (shelf.overview, shelf.crises, shelf.evidence, shelf.draft):
        assert (f">{course.title}</a></h2>" in html) == (course.title in titles)
    return titles


def test_catalogue_lists_live_courses_only(client, shelf):
    assert listed(client, shelf) == {"Overview", "Crises", "Evidence"}
    assert "3 courses" in client.get(shelf.index.url).content.decode()


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"element": "P2"}, {"Overview", "Evidence"}),
        ({"element": "P3"}, {"Overview"}),
        ({"element": "O2"}, {"Crises"}),
        ({"element": "O3"}, set()),
        ({"level": "advanced"}, {"Crises", "Evidence"}),
        ({"level": "introductory"}, {"Overview"}),
        ({"language": "fr"}, {"Crises"}),
        ({"language": "en"}, {"Overview", "Evidence"}),
        ({"element": "P2", "level": "advanced"}, {"Evidence"}),
        ({"element": "P2", "language": "fr"}, set()),
        ({"level": "advanced", "language": "fr"}, {"Crises"}),
        ({"element": "O2", "level": "advanced", "language": "fr"}, {"Crises"}),
    ],
)
def test_filters_work_and_combine(client, shelf, params, expected):
    assert listed(client, shelf, **params) == expected


@pytest.mark.parametrize(
    "params",
    [
        {"element": "Z9"},
        {"level": "expert"},
        {"language": "xx"},
        {"element": "<script>", "level": "' OR 1=1", "language": ""},
        {"element": "p2"},  # codes are exact
    ],
)
def test_unknown_filter_values_are_ignored(client, shelf, params):
    assert listed(client, shelf, **params) == {"Overview", "Crises", "Evidence"}


def test_an_unknown_value_does_not_cancel_a_known_one(client, shelf):
    assert listed(client, shelf, element="Z9", level="advanced") == {"Crises", "Evidence"}


def test_selected_filters_stay_selected(client, shelf):
    html = client.get(shelf.index.url, {"level": "advanced", "element": "P2"}).content.decode()
    assert '<option value="advanced" selected>' in html
    assert '<option value="P2" selected>' in html


def test_element_codes_are_shown_on_each_entry(client, shelf):
    response = client.get(shelf.index.url)
    codes = {e.course.title: e.element_codes for e in response.context["catalogue"].entries}
    assert codes == {"Overview": ("P2", "P3"), "Crises": ("O2",), "Evidence": ("P2",)}


def test_each_entry_shows_only_the_learners_own_state(client, shelf, learner, other_learner):
    now = timezone.now()
    services.enrol(user=learner, course=shelf.overview, now=now)
    services.enrol(user=learner, course=shelf.evidence, now=now)
    evidence_lessons = CoursePage.objects.get(pk=shelf.evidence.pk).course_modules.get().module
    for lesson in evidence_lessons.get_children():
        services.complete_item(user=learner, page=lesson, now=now)
    services.enrol(user=learner, course=shelf.crises, now=now)
    services.leave(user=learner, course=shelf.crises, now=now)

    client.force_login(learner)
    response = client.get(shelf.index.url)
    states = {e.course.title: e.enrolment for e in response.context["catalogue"].entries}
    assert states["Overview"].is_active and not states["Overview"].completed_at
    assert states["Evidence"].completed_at == now
    html = response.content.decode()
    assert html.count("You are enrolled") == 1
    assert html.count(">Completed</p>") == 1
    assert html.count("You left this course") == 1

    client.force_login(other_learner)
    html = client.get(shelf.index.url).content.decode()
    assert "You are enrolled" not in html
    assert ">Completed</p>" not in html
    assert "You left this course" not in html

    client.logout()
    html = client.get(shelf.index.url).content.decode()
    assert "You are enrolled" not in html
