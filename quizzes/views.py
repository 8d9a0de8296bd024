"""Serving a quiz page's routes. Each: an access rule, parse, one service or selector, render.

Access: the overview is public (as its page); starting, taking, saving, submitting and
reviewing need a signed-in learner, and an attempt is only ever found among the learner's
own (anyone else's gives 404, so attempts cannot be probed).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect, JsonResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail import hooks

from . import attempts as services
from . import selectors
from .answers import InvalidAnswers, parse_answers
from .models import Attempt, QuizPage


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _attempt_url(quiz: QuizPage, attempt_id: int, route: str = "attempt") -> str:
    return quiz.url + quiz.reverse_subpage(route, args=(attempt_id,))


def _course_context(quiz: QuizPage, request) -> dict:
    context = {}
    for hook in hooks.get_hooks("course_item_context"):
        context.update(hook(quiz, request))
    return context


def _refuse(request, message: str, status: int, *, quiz: QuizPage, attempt: Attempt | None = None):
    """A refusal the learner can read: JSON for the page's script, a page otherwise."""
    if _wants_json(request):
        payload = {"error": message}
        if attempt is not None:
            payload["review_url"] = _attempt_url(quiz, attempt.pk)
        return JsonResponse(payload, status=status)
    response = TemplateResponse(
        request,
        "quizzes/refused.html",
        {"page": quiz, "message": message, "attempt": attempt},
        status=status,
    )
    return response


def quiz_overview(quiz: QuizPage, request):
    """Public: the introduction; for a signed-in learner, their attempts and what is next."""
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    now = timezone.now()
    overview = selectors.quiz_overview(quiz, request.user, now)
    if overview.open_attempt is not None and services.is_overdue(overview.open_attempt, now):
        # Its time ran out while the learner was away: close it (graded), then show that.
        services.close_overdue(attempt_id=overview.open_attempt.pk, now=now)
        overview = selectors.quiz_overview(quiz, request.user, now)
    if any(a.released_at is None for a in overview.finished) and overview.review_available:
        # The quiz closed since: release the results now rather than at the next minute's
        # job, so the course item a pass completes is done when the learner looks.
        services.release_due_results(now=now, user=request.user, quiz=quiz)
    return quiz.render(
        request,
        context_overrides={"overview": overview, **_course_context(quiz, request)},
    )


def start(quiz: QuizPage, request):
    """POST, signed in: start (or resume) an attempt and go to it."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if not request.user.is_authenticated:
        return redirect_to_login(quiz.url)
    try:
        attempt = services.start_attempt(user=request.user, quiz=quiz, now=timezone.now())
    except services.QuizError as error:
        messages.error(request, error.message)
        return HttpResponseRedirect(quiz.url)
    return HttpResponseRedirect(_attempt_url(quiz, attempt.pk))


def _own_attempt(quiz: QuizPage, request, attempt_id: int) -> Attempt:
    attempt = selectors.attempt_for(quiz, request.user, attempt_id)
    if attempt is None:
        raise Http404
    return attempt


def attempt(quiz: QuizPage, request, attempt_id: int):
    """GET, the attempt's own learner: the form while open, the review once finished."""
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    now = timezone.now()
    found = _own_attempt(quiz, request, attempt_id)
    if found.is_open and services.is_overdue(found, now):
        services.close_overdue(attempt_id=found.pk, now=now)
        found = _own_attempt(quiz, request, attempt_id)
    if found.is_open:
        return quiz.render(
            request,
            template="quizzes/attempt_take.html",
            context_overrides={
                "attempt": found,
                "questions": selectors.shown_questions(found),
                "save_url": _attempt_url(quiz, found.pk, "autosave"),
                "submit_url": _attempt_url(quiz, found.pk, "submit"),
                "now": now,
            },
        )
    if found.released_at is None and selectors.review_available(quiz, now):
        services.release_results(attempt_id=found.pk, now=now)  # as on the overview
    policy = selectors.review_policy(quiz, found, now)
    return quiz.render(
        request,
        template="quizzes/attempt_review.html",
        context_overrides={
            "attempt": found,
            "policy": policy,
            "questions": selectors.reviewed_questions(found, policy) if policy else [],
            **_course_context(quiz, request),
        },
    )


def _parsed(found: Attempt, request) -> dict:
    shown = {
        item.position: (item.snapshot["kind"], item.snapshot.get("display", {}))
        for item in found.items.all()
    }
    return parse_answers(shown, {name: request.POST.getlist(name) for name in request.POST})


def autosave(quiz: QuizPage, request, attempt_id: int):
    """POST, the attempt's own learner: save answers (JSON for the script, or a redirect)."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if not request.user.is_authenticated:
        if _wants_json(request):
            return JsonResponse(
                {"error": _("You are signed out. Sign in again to save your answers.")},
                status=401,
            )
        return redirect_to_login(_attempt_url(quiz, attempt_id))
    found = _own_attempt(quiz, request, attempt_id)
    try:
        answers = _parsed(found, request)
        saved = services.save_answers(
            attempt_id=found.pk, user=request.user, answers=answers, now=timezone.now()
        )
    except InvalidAnswers as error:
        return _refuse(request, error.message, 400, quiz=quiz)
    except services.QuizError as error:
        return _refuse(request, error.message, error.status, quiz=quiz, attempt=found)
    if _wants_json(request):
        return JsonResponse(
            {"saved": saved.count, "saved_at": saved.attempt.last_saved_at.isoformat()}
        )
    messages.success(request, _("Your answers are saved. You can come back to them later."))
    return HttpResponseRedirect(_attempt_url(quiz, found.pk))


def submit(quiz: QuizPage, request, attempt_id: int):
    """POST, the attempt's own learner: grade the attempt once and show the review."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if not request.user.is_authenticated:
        return redirect_to_login(_attempt_url(quiz, attempt_id))
    found = _own_attempt(quiz, request, attempt_id)
    try:
        answers = _parsed(found, request) if found.is_open else {}
    except InvalidAnswers as error:
        return _refuse(request, error.message, 400, quiz=quiz)
    services.submit_attempt(
        attempt_id=found.pk, user=request.user, answers=answers, now=timezone.now()
    )
    return HttpResponseRedirect(_attempt_url(quiz, found.pk))
