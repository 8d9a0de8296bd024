"""Who may see what in the trainer workspace. Every view under /trainer/ goes through here.

- Anonymous visitors are sent to the login page.
- A signed-in user who runs no cohorts and may not create one (a trainee) gets 403.
- Trainers (``cohorts.add_cohort``) see the cohorts they train, and programme reports on
  those cohorts only; another trainer's cohort is a 404 (its existence is not revealed).
- Administrators (``cohorts.view_all_cohorts``) see every cohort and every report.
"""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from .models import Cohort

CREATE_PERMISSION = "cohorts.add_cohort"
ALL_PERMISSION = "cohorts.view_all_cohorts"


def sees_all(user) -> bool:
    return user.has_perm(ALL_PERMISSION)


def may_use_workspace(user) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return (
        user.has_perm(CREATE_PERMISSION)
        or sees_all(user)
        or Cohort.objects.filter(trainers=user).exists()
    )


def cohorts_for(user) -> QuerySet[Cohort]:
    """The cohorts this user may see."""
    cohorts = Cohort.objects.select_related("course")
    if sees_all(user):
        return cohorts
    return cohorts.filter(trainers=user)


def cohort_for(user, cohort_id: int) -> Cohort:
    """The cohort, if this user may see it; 404 otherwise."""
    return get_object_or_404(cohorts_for(user), pk=cohort_id)


def workspace_view(view):
    """Signed in (else the login page), and a trainer or administrator (else 403)."""

    @login_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not may_use_workspace(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped
