"""Getting trainees into a cohort: the trainer's invitation page, joining with the code, and
accepting an invitation (choosing a password).

The invitation page is a workspace page (``access.workspace_view`` and ``access.cohort_for``:
the cohort's trainers and administrators). Joining needs a signed-in account. Accepting an
invitation is public: the signed link is the proof.
"""

from __future__ import annotations

from allauth.core import ratelimit
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import SetPasswordForm
from django.contrib.auth.tokens import default_token_generator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from . import access, invitations
from .invite_forms import AddressListForm, CsvUploadForm, JoinCodeForm

# ---------------------------------------------------------------------------------------------
# The trainer's invitation page
# ---------------------------------------------------------------------------------------------

WAYS = {"list": (AddressListForm, "addresses"), "csv": (CsvUploadForm, "upload")}


def _report_key(cohort_id: int) -> str:
    return f"cohorts:invitation_report:{cohort_id}"


@require_http_methods(["GET", "HEAD", "POST"])
@access.workspace_view
def invite(request, cohort_id: int):
    cohort = access.cohort_for(request.user, cohort_id)
    forms = {"list": AddressListForm(), "csv": CsvUploadForm()}
    way = request.POST.get("way") if request.method == "POST" else None
    problems: list[invitations.Problem] = []
    kind = None
    if way in WAYS:
        form_class, field_name = WAYS[way]
        form = forms[way] = form_class(request.POST, request.FILES)
        if form.is_valid():
            parsed = form.cleaned_data[field_name]
            kind, problems = parsed.kind, parsed.problems
            if not problems:
                try:
                    result = invitations.invite_to_cohort(
                        cohort=cohort,
                        invitees=parsed.invitees,
                        invited_by=request.user,
                        now=timezone.now(),
                    )
                except invitations.InvitationRefused as refused:
                    problems = refused.problems
                else:
                    request.session[_report_key(cohort.pk)] = result.as_dict()
                    messages.success(request, _summary(result))
                    return redirect("cohorts:invite", cohort_id=cohort.pk)
    result = None
    if request.method == "GET":  # shown once, after the redirect that follows an import
        result = request.session.pop(_report_key(cohort.pk), None)
    return render(
        request,
        "cohorts/invite.html",
        {
            "cohort": cohort,
            "list_form": forms["list"],
            "csv_form": forms["csv"],
            "way": way,
            "kind": kind,
            "problems": problems,
            "rows_with_problems": len({(p.row, p.line) for p in problems}),
            "result": result,
        },
    )


def _summary(result: invitations.InvitationResult) -> str:
    parts = [
        ngettext(
            "%(count)d account created and invited.",
            "%(count)d accounts created and invited.",
            len(result.created),
        )
        % {"count": len(result.created)},
        ngettext(
            "%(count)d person with an account added.",
            "%(count)d people with an account added.",
            len(result.added),
        )
        % {"count": len(result.added)},
    ]
    if result.already:
        parts.append(
            ngettext(
                "%(count)d was already in the cohort.",
                "%(count)d were already in the cohort.",
                len(result.already),
            )
            % {"count": len(result.already)}
        )
    return " ".join(parts)


# ---------------------------------------------------------------------------------------------
# Joining with the code
# ---------------------------------------------------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def join_form(request):
    form = JoinCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        return redirect("cohorts:join", code=form.cleaned_data["code"])
    return render(request, "cohorts/join_form.html", {"form": form})


def _course_url(cohort) -> str:
    course = cohort.course
    return (course.get_url() if course.live else None) or reverse("dashboard")


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def join(request, code: str):
    # allauth's rate limits, when ACCOUNT_RATE_LIMITS names "join_cohort" (per user: a
    # training room shares one IP). Codes are hard to guess; this makes trying them slow.
    limited = ratelimit.consume_or_429(
        request, action="join_cohort", user=request.user, limit_get=True
    )
    if limited:
        return limited
    cohort = invitations.cohort_for_code(code)
    if cohort is None:
        form = JoinCodeForm(initial={"code": code[:32]})
        return render(
            request, "cohorts/join_form.html", {"form": form, "unknown_code": code}, status=404
        )
    membership = invitations.membership_of(cohort, request.user)
    closed = membership is None and not cohort.joining_open
    if request.method == "POST" and not closed:
        try:
            membership, joined = invitations.join_cohort(
                cohort=cohort, user=request.user, now=timezone.now()
            )
        except invitations.JoiningClosed:
            closed = True
        else:
            if joined:
                messages.success(
                    request,
                    _("Welcome to “%(cohort)s”. You are enrolled in “%(course)s”.")
                    % {"cohort": cohort.name, "course": cohort.course.title},
                )
            else:
                messages.info(
                    request, _("You are already in “%(cohort)s”.") % {"cohort": cohort.name}
                )
            return redirect(_course_url(cohort))
    return render(
        request,
        "cohorts/join.html",
        {
            "cohort": cohort,
            "trainers": list(cohort.trainers.all()),
            "membership": membership,
            "closed": closed,
            "ended": cohort.ends_on < timezone.localdate(),
            "course_url": _course_url(cohort),
        },
        status=403 if closed else 200,
    )


# ---------------------------------------------------------------------------------------------
# Accepting an invitation: choosing a password
# ---------------------------------------------------------------------------------------------

# As Django's PasswordResetConfirmView: the token moves from the URL to the session, and the
# browser is sent to a URL without it, so it never leaks through the Referer header or logs.
INVITATION_TOKEN_SESSION_KEY = "_cohorts_invitation_token"  # noqa: S105 - a session key
SET_PASSWORD_URL_TOKEN = "set-password"  # noqa: S105 - a URL placeholder
LOGIN_BACKEND = "allauth.account.auth_backends.AuthenticationBackend"


@require_http_methods(["GET", "HEAD", "POST"])
@sensitive_post_parameters()
@never_cache
def accept_invitation(request, uidb64: str, token: str):
    user = invitations.user_from_uidb64(uidb64)
    valid = user is not None and user.is_active
    if valid and token != SET_PASSWORD_URL_TOKEN:
        if default_token_generator.check_token(user, token):
            request.session[INVITATION_TOKEN_SESSION_KEY] = token
            return redirect("cohorts:accept_invitation", uidb64, SET_PASSWORD_URL_TOKEN)
        valid = False
    if valid:
        valid = default_token_generator.check_token(
            user, request.session.get(INVITATION_TOKEN_SESSION_KEY)
        )
    if not valid:
        return render(request, "cohorts/accept_invitation.html", {"valid": False}, status=400)

    form = SetPasswordForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        form.save()
        del request.session[INVITATION_TOKEN_SESSION_KEY]
        login(request, user, backend=LOGIN_BACKEND)
        messages.success(request, _("Your password is set and you are logged in. Welcome!"))
        return redirect(invitations.invited_course_url(user))
    return render(
        request,
        "cohorts/accept_invitation.html",
        {"valid": True, "form": form, "invited_user": user},
    )
