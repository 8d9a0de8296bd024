"""Reminding trainees behind schedule (or inactive): choose them, add a note, send.

The e-mails go out from a Celery task after the reminders are recorded
(notifications.request_reminders); the trainer is sent back to the cohort page.
"""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from . import access, notifications
from .remind_forms import NOT_A_MEMBER, RemindForm, candidate_groups


def _names(users) -> str:
    return ", ".join(user.get_full_name() for user in users)


@require_http_methods(["GET", "HEAD", "POST"])
@access.workspace_view
def remind(request, cohort_id: int):
    cohort = access.cohort_for(request.user, cohort_id)
    now = timezone.now()
    form = RemindForm(request.POST, cohort=cohort) if request.method == "POST" else None
    if form is not None and form.is_valid():
        try:
            result = notifications.request_reminders(
                cohort=cohort,
                trainees=form.cleaned_data["trainees"],
                sent_by=request.user,
                message=form.cleaned_data["message"],
                now=now,
            )
        except notifications.NotCohortMembers:  # left the cohort since the form was checked
            form.add_error("trainees", NOT_A_MEMBER)
        else:
            _report(request, result)
            return redirect("cohorts:detail", cohort_id=cohort.pk)
    candidates = notifications.reminder_candidates(cohort, now=now)
    if form is None:
        # Those behind are ticked, unless reminded in the last 24 hours (they would be
        # skipped anyway).
        form = RemindForm(
            cohort=cohort,
            initial={"trainees": [c.user.pk for c in candidates.behind if not c.reminded_recently]},
        )
    return render(
        request,
        "cohorts/remind.html",
        {
            "cohort": cohort,
            "form": form,
            "candidates": candidates,
            "groups": candidate_groups(form, candidates),
        },
    )


def _report(request, result: notifications.ReminderRequest) -> None:
    count = len(result.reminders)
    if count:
        messages.success(
            request,
            ngettext(
                "Reminder sent to %(count)d trainee: %(names)s.",
                "Reminders sent to %(count)d trainees: %(names)s.",
                count,
            )
            % {"count": count, "names": _names(result.reminded)},
        )
    if result.skipped:
        messages.warning(
            request,
            _("Not reminded again (already reminded less than 24 hours ago): %(names)s.")
            % {"names": _names(result.skipped)},
        )
