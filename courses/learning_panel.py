"""What a lesson page shows of the learner's course: progress, completion, prev/next."""

from __future__ import annotations

from dataclasses import dataclass

from training_site.content_cache import cached
from training_site.ids import parse_id

from . import selectors
from .models import CoursePage, Enrolment
from .progress import CourseOutline, Fraction, ItemRef, course_progress, module_progress, neighbours
from .registry import completed_by_learner


@dataclass
class LearningPanel:
    template: str
    course: CoursePage | None
    enrolled: bool
    completed: bool
    course_progress: Fraction | None
    module_progress: Fraction | None
    previous: ItemRef | None
    next: ItemRef | None
    signed_in: bool
    completed_by_learner: bool  # a button marks it done (a lesson), else passing it does


def _course_for(page, request) -> tuple[CoursePage | None, Enrolment | None]:
    """The course this lesson is read in: ?course=<id> if valid, else the learner's most
    recently active enrolment that contains it, else the first course that contains it."""
    course_ids = selectors.courses_containing(page)
    if not course_ids:
        return None, None
    wanted = request.GET.get("course", "")
    enrolments = {}
    if request.user.is_authenticated:
        enrolments = {
            e.course_id: e
            for e in Enrolment.objects.filter(user=request.user, course_id__in=course_ids).order_by(
                "-last_activity_at"
            )
        }
    chosen = parse_id(wanted)
    if chosen not in course_ids:  # none (or another one) asked for in the address
        active = [cid for cid, e in enrolments.items() if e.is_active]
        chosen = active[0] if active else next(iter(enrolments), course_ids[0])
    course = cached(
        "live-public-course",
        chosen,
        build=lambda: CoursePage.objects.live().public().filter(pk=chosen).first(),
    )
    return course, enrolments.get(chosen)


def learning_panel(page, request) -> LearningPanel | None:
    course, enrolment = _course_for(page, request)
    if course is None:
        return None
    outline: CourseOutline = selectors.outline_for(course.pk)
    progress = selectors.learner_progress(request.user)
    done = set(progress.completed.intersection(i.id for i in outline.items))
    module = next((m for m in outline.modules if any(i.id == page.pk for i in m.items)), None)
    previous, following = neighbours(outline, page.pk)
    return LearningPanel(
        template="courses/includes/learning_panel.html",
        course=course,
        enrolled=enrolment is not None and enrolment.is_active,
        completed=page.pk in done,
        course_progress=course_progress(outline, done),
        module_progress=module_progress(module, done) if module else None,
        previous=previous,
        next=following,
        signed_in=request.user.is_authenticated,
        completed_by_learner=completed_by_learner(
            f"{page._meta.app_label}.{page._meta.model_name}"
        ),
    )
