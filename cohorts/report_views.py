"""Programme reports in the trainer workspace: a trainer's cohorts, or everything for an
administrator (see cohorts/reports.py for what is counted)."""

from __future__ import annotations

from django.shortcuts import render
from django.views.decorators.http import require_safe

from . import access, reports
from .models import ExportFormat


@require_safe
@access.workspace_view
def programme_report(request):
    choices = reports.filter_choices(request.user)
    filters, notices = reports.parse_filters(request.GET, choices)
    report = reports.programme_report(request.user, filters, choices=choices)
    return render(
        request,
        "cohorts/report.html",
        {
            "report": report,
            "choices": choices,
            "selected": filters.as_params(),
            "notices": notices,
            "formats": ExportFormat.choices,
        },
    )
