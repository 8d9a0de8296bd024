"""Small course trees built in the test database: a course of 2 modules × 2 lessons, learners.

Pages are added with `parent.add_child` under the elements that `load_framework` created, so
each test builds only what it reads (the demo loaders take seconds)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from courses.models import CourseIndexPage, CourseModule, CoursePage
from framework_content.models import FrameworkElementPage, LessonPage, ModulePage

_serial = itertools.count(1)


def _slug(prefix: str) -> str:
    return f"{prefix}-{next(_serial)}"


def make_module(element_code: str, title: str, lessons: int = 2) -> tuple[ModulePage, list]:
    """A live module under the element with this code, with `lessons` live lessons."""
    element = FrameworkElementPage.objects.get(code=element_code)
    module = ModulePage(title=title, slug=_slug("module"), summary=f"About {title}.")
    element.add_child(instance=module)
    items = []
    for number in range(1, lessons + 1):
        lesson = LessonPage(
            title=f"{title} lesson {number}",
            slug=_slug("lesson"),
            body=[{"type": "paragraph", "value": f"<p>Lesson {number} of {title}.</p>"}],
        )
        module.add_child(instance=lesson)
        items.append(lesson)
    return module, items


def make_course(
    index: CourseIndexPage,
    title: str,
    modules: list[ModulePage],
    *,
    prerequisites: list[CoursePage] = (),
    **fields,
) -> CoursePage:
    course = CoursePage(title=title, slug=_slug("course"), summary=f"{title} summary.", **fields)
    course.course_modules = [CourseModule(module=module) for module in modules]
    index.add_child(instance=course)
    if prerequisites:
        course.prerequisites = list(prerequisites)
        course.save()
    return course


@dataclass
class SmallCourse:
    course: CoursePage
    modules: list[ModulePage]
    lessons: list[list[LessonPage]]

    @property
    def all_lessons(self) -> list[LessonPage]:
        return [lesson for module_lessons in self.lessons for lesson in module_lessons]


def make_small_course(index: CourseIndexPage, title: str = "Evidence", **fields) -> SmallCourse:
    """2 modules (under P2 and P3) × 2 lessons."""
    first, first_lessons = make_module("P2", f"{title} A")
    second, second_lessons = make_module("P3", f"{title} B")
    course = make_course(index, title, [first, second], **fields)
    return SmallCourse(course, [first, second], [first_lessons, second_lessons])


@pytest.fixture
def course_index(framework) -> CourseIndexPage:
    index = CourseIndexPage(title="Courses", slug="courses")
    framework.add_child(instance=index)
    return index


@pytest.fixture
def small(course_index) -> SmallCourse:
    return make_small_course(course_index)


@pytest.fixture
def make_learner(db):
    from accounts.models import User

    def make(email: str = "amina@example.org", full_name: str = "Amina Diallo"):
        return User.objects.create_user(
            email=email,
            password="pw-0123456789",  # noqa: S106
            full_name=full_name,
        )

    return make


@pytest.fixture
def learner(make_learner):
    return make_learner()


@pytest.fixture
def other_learner(make_learner):
    return make_learner("jorge@example.org", "Jorge Pérez")


@pytest.fixture
def now() -> datetime:
    return datetime(2025, 3, 14, 9, 30, tzinfo=UTC)


@pytest.fixture
def media_root(settings, tmp_path):
    """Certificate PDFs go to a throw-away folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT
