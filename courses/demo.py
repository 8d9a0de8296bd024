"""Demo courses over the demo modules (framework_content/data/demo_content.yaml)."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from wagtail.models import Site

from framework_content.loading import LoadReport
from framework_content.models import ModulePage

from .choices import Level
from .models import CourseIndexPage, CourseModule, CoursePage

DEMO_COURSES = [
    {
        "slug": "introduction-to-migof",
        "title": "Introduction to the Migration Governance Framework",
        "summary": (
            "All six elements of MIGOF, one module each: what good migration governance "
            "asks of a government, and how the indicators measure it."
        ),
        "audience": (
            "Officials of ministries and agencies that deal with migration, new to MIGOF or "
            "wanting a structured overview."
        ),
        "level": Level.INTRODUCTORY,
        "hours": Decimal("4.0"),
        "outcomes": [
            "Name the three principles and three objectives of MIGOF and explain each.",
            "Relate a national policy question to the MIGOF element it serves.",
            "Find the indicators that measure each element and read their status.",
        ],
        "elements": ["P1", "P2", "P3", "O1", "O2", "O3"],
    },
    {
        "slug": "evidence-and-partnerships",
        "title": "Evidence and partnerships in migration policy",
        "summary": (
            "A shorter course on two principles: building policy on evidence across "
            "government, and working with partners."
        ),
        "audience": "Policy and planning staff who coordinate migration work across institutions.",
        "level": Level.INTERMEDIATE,
        "hours": Decimal("1.5"),
        "outcomes": [
            "Describe what a whole-of-government approach to migration involves.",
            "Identify the partners a migration policy depends on.",
        ],
        "elements": ["P2", "P3"],
    },
]


def _module_for(code: str) -> ModulePage:
    """The (first) module under the MIGOF element with this code."""
    from framework_content.models import FrameworkElementPage

    element = FrameworkElementPage.objects.filter(code=code).order_by("depth", "path").first()
    module = ModulePage.objects.child_of(element).order_by("path").first() if element else None
    if module is None:
        raise ValueError(f"No module under element {code}: load the demo content first.")
    return module


@transaction.atomic
def load_demo_courses() -> LoadReport:
    report = LoadReport()
    home = Site.objects.get(is_default_site=True).root_page
    index = CourseIndexPage.objects.child_of(home).first()
    if index is None:
        index = CourseIndexPage(title="Courses", slug="courses", show_in_menus=True)
        home.add_child(instance=index)
        index.save_revision().publish()
        report.count("course catalogue", created=True, changed=True)
    for spec in DEMO_COURSES:
        modules = [_module_for(code) for code in spec["elements"]]
        values = {
            "title": spec["title"],
            "summary": spec["summary"],
            "audience": spec["audience"],
            "level": spec["level"],
            "estimated_hours": spec["hours"],
            "course_language": "en",
            "issues_certificate": True,
        }
        outcomes = [("outcome", text) for text in spec["outcomes"]]
        course = CoursePage.objects.child_of(index).filter(slug=spec["slug"]).first()
        created = course is None
        if created:
            course = CoursePage(slug=spec["slug"], **values)
        changed = created or any(getattr(course, k) != v for k, v in values.items())
        current_outcomes = [(b.block_type, b.value) for b in course.learning_outcomes]
        if current_outcomes != outcomes:
            course.learning_outcomes = outcomes
            changed = True
        current_modules = [link.module_id for link in course.course_modules.all()]
        if current_modules != [m.pk for m in modules]:
            course.course_modules = [CourseModule(module=m) for m in modules]
            changed = True
        if changed:
            for key, value in values.items():
                setattr(course, key, value)
            if created:
                index.add_child(instance=course)
            course.save_revision().publish()
        report.count("course", created=created, changed=changed)
    return report
