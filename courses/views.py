"""Learner actions and pages. Each view: an access rule, parse, one service or selector, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe
from wagtail import hooks
from wagtail.models import Page

from training_site.content_cache import keeps_rendered_html
from training_site.routing import prime_site

from . import selectors, services
from .models import Certificate, CoursePage
from .progress_versions import kept_for_learner
from .registry import completed_by_learner, item_model_labels


def _back(request, fallback: str) -> HttpResponseRedirect:
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = fallback
    return HttpResponseRedirect(target or "/")


def _live_course(course_id: int) -> CoursePage:
    return get_object_or_404(CoursePage.objects.live().public(), pk=course_id)


def _course_action(request, course_id: int, action, success: str):
    course = _live_course(course_id)
    try:
        action(user=request.user, course=course, now=timezone.now())
    except services.LearningError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, success % {"course": course.title})
    return _back(request, course.url)


@login_required
@require_POST
def enrol(request, course_id: int):
    """Signed-in learners only; refused with a message when prerequisites are incomplete."""
    return _course_action(request, course_id, services.enrol, _("You have joined “%(course)s”."))


@login_required
@require_POST
def leave(request, course_id: int):
    """Signed-in learners only, for their own enrolment."""
    return _course_action(
        request,
        course_id,
        services.leave,
        _("You have left “%(course)s”. Your progress is kept if you join again."),
    )


@login_required
@require_POST
def complete_item(request, page_id: int):
    """Signed-in learners enrolled in a course containing the item."""
    page = get_object_or_404(
        Page.objects.live().public().select_related("content_type"), pk=page_id
    )
    label = f"{page.content_type.app_label}.{page.content_type.model}"
    if label not in item_model_labels():
        raise Http404
    if not completed_by_learner(label):
        messages.error(request, _("This item is completed by passing it, not by a button."))
        return _back(request, page.url)
    try:
        services.complete_item(user=request.user, page=page, now=timezone.now())
    except services.LearningError as error:
        messages.error(request, error.message)
        return _back(request, page.url)
    messages.success(request, _("Marked as completed."))
    return _back(request, page.url)


@login_required
@require_safe
def dashboard(request):
    """The signed-in learner's own dashboard.

    Other apps add sections through the ``learner_dashboard_sections`` hook: each hook takes
    the request and returns None or a dict with the ``template`` to include (or ``html``,
    the section already rendered, e.g. kept in a cache), optional ``stylesheets`` (static
    paths) and its own context; courses never imports those apps.
    """
    # Sections link pages with {% pageurl %}, which asks for the request's site: from the
    # content cache rather than a query on every visit.
    prime_site(request, fill=True)
    sections = [
        section
        for hook in hooks.get_hooks("learner_dashboard_sections")
        if (section := hook(request))
    ]
    return render(
        request,
        "courses/dashboard.html",
        {"courses": dashboard_courses(request), "sections": sections},
    )


def dashboard_courses(request) -> dict[str, SafeString]:
    """The dashboard's own parts, rendered: the courses in progress (`in_progress`), and the
    completed and left courses with the latest activity (`record`). Kept per learner,
    language and host under the learner's progress token (renewed by everything that changes
    an enrolment, an item's progress or a certificate: courses.progress_versions) and the
    content token; a dashboard shown again reads no enrolment."""

    def build() -> dict[str, str]:
        context = {"dashboard": selectors.dashboard(request.user)}
        return {
            part: render_to_string(template, context, request=request)
            for part, template in DASHBOARD_PARTS.items()
        }

    if keeps_rendered_html():
        parts = kept_for_learner(
            request.user.pk,
            "dashboard-courses",
            request.scheme,
            request.get_host(),
            get_language(),
            build=build,
            timeout=selectors.LEARNER_PROGRESS_TIMEOUT,
        )
    else:
        parts = build()
    # What is kept is build()'s output: the templates', escaped as they rendered.
    # nosemgrep: migof-mark-safe -- the kept text is this view's own template output, escaped
    return {part: mark_safe(html) for part, html in parts.items()}  # noqa: S308


DASHBOARD_PARTS = {
    "in_progress": "courses/includes/dashboard_in_progress.html",
    "record": "courses/includes/dashboard_record.html",
}


@login_required
@require_safe
def certificate_download(request, code: str):
    """Only the certificate's own learner can download it; anyone else gets 404."""
    certificate = get_object_or_404(
        Certificate.objects.select_related("enrolment"),
        code=code,
        enrolment__user=request.user,
    )
    if not certificate.file:
        certificate = services.issue_certificate(
            enrolment_id=certificate.enrolment_id, now=timezone.now()
        )
    return FileResponse(
        certificate.file.open("rb"),
        as_attachment=True,
        filename=f"certificate-{certificate.code}.pdf",
        content_type="application/pdf",
    )


@require_safe
def certificate_verify(request, code: str):
    """Public: name, course, date and validity only."""
    certificate = Certificate.objects.filter(code=code.strip().upper()).first()
    status = 200 if certificate else 404
    return render(
        request,
        "courses/certificate_verify.html",
        {"certificate": certificate, "code": code},
        status=status,
    )
