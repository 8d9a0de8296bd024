"""The trainer workspace's own pages: the trainer's cohorts, creating and editing one.

Every view is wrapped by ``access.workspace_view`` (signed-in trainers and administrators)
and reads cohorts through ``access.cohort_for`` (the user's own cohorts; all of them for
administrators).
"""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from . import access
from .forms import CohortForm


@require_safe
@access.workspace_view
def home(request):
    cohorts = list(access.cohorts_for(request.user).prefetch_related("trainers"))
    return render(
        request,
        "cohorts/home.html",
        {
            "cohorts": cohorts,
            "sees_all": access.sees_all(request.user),
            "may_create": request.user.has_perm(access.CREATE_PERMISSION),
        },
    )


@require_http_methods(["GET", "HEAD", "POST"])
@access.workspace_view
def create(request):
    if not request.user.has_perm(access.CREATE_PERMISSION):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied
    form = CohortForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            cohort = form.save(commit=False)
            cohort.created_by = request.user
            cohort.save()
            form.save_m2m()
            cohort.trainers.add(request.user)
        messages.success(
            request,
            _("Cohort “%(name)s” created. Trainees join with the code %(code)s.")
            % {"name": cohort.name, "code": cohort.join_code},
        )
        return redirect("cohorts:detail", cohort_id=cohort.pk)
    return render(request, "cohorts/cohort_form.html", {"form": form, "cohort": None})


@require_http_methods(["GET", "HEAD", "POST"])
@access.workspace_view
def edit(request, cohort_id: int):
    cohort = access.cohort_for(request.user, cohort_id)
    form = CohortForm(request.POST or None, instance=cohort, user=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Cohort “%(name)s” saved.") % {"name": cohort.name})
        if not access.cohorts_for(request.user).filter(pk=cohort.pk).exists():
            return redirect("cohorts:home")
        return redirect("cohorts:detail", cohort_id=cohort.pk)
    return render(request, "cohorts/cohort_form.html", {"form": form, "cohort": cohort})
