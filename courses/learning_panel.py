"""What a lesson page shows of the learner's course: progress, completion, prev/next."""

from __future__ import annotations

from dataclasses import dataclass

from training_site.content_cache import cached
from training_site.ids import parse_id

from . import selectors
from .models import CoursePage
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


def _course_for(page, request) -> tuple[CoursePage | None, bool]:
    """The course this lesson is read in, and whether the learner is enrolled in it:
    ?course=<id> if valid, else the learner's most recently active enrolment that contains
    it, else the first course that contains it. The enrolments come from the cache under
    the learner's progress token (selectors.learner_enrolments)."""
    course_ids = selectors.courses_containing(page)
    if not course_ids:
        return None, False
    wanted = request.GET.get("course", "")
    enrolments = {
        course_id: active
        for course_id, active in selectors.learner_enrolments(request.user)
        if course_id in course_ids
    }
    chosen = parse_id(wanted)
    if chosen not in course_ids:  # none (or another one) asked for in the address
        active = [course_id for course_id, is_active in enrolments.items() if is_active]
        chosen = active[0] if active else next(iter(enrolments), course_ids[0])
    course = cached(
        "live-public-course",
        chosen,
        build=lambda: CoursePage.objects.live().public().filter(pk=chosen).first(),
    )
    return course, enrolments.get(chosen, False)


def learning_panel(page, request) -> LearningPanel | None:
    course, enrolled = _course_for(page, request)
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
        enrolled=enrolled,
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
