"""The learner dashboard's "My cohorts" section, added through the courses hook
``learner_dashboard_sections`` (courses never imports cohorts): the cohorts the learner
belongs to, and where to enter a cohort code."""

from __future__ import annotations

from django.db.models import Prefetch
from wagtail import hooks

from accounts.models import User

from .models import Membership

TEMPLATE = "cohorts/includes/dashboard_section.html"


@hooks.register("learner_dashboard_sections", order=-1)
def cohorts_section(request) -> dict | None:
    if not request.user.is_authenticated:
        return None
    memberships = list(
        Membership.objects.filter(user=request.user)
        .select_related("cohort__course")
        .prefetch_related(
            Prefetch(
                "cohort__trainers",
                queryset=User.objects.only("full_name", "email").order_by("full_name"),
            )
        )
        .order_by("-cohort__starts_on")
    )
    return {"template": TEMPLATE, "stylesheets": [], "memberships": memberships}
