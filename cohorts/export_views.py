"""Exports in the trainer workspace. Asking for one (POST) records an ExportJob and queues it;
its status page follows it and offers the file once ready. Only the person who asked may
see the status or download the file; anyone else gets a 404."""

from __future__ import annotations

from django.http import FileResponse, Http404, HttpResponseBadRequest, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import add_never_cache_headers
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from . import access, exports, reports
from .models import ExportFormat, ExportJob, ExportStatus


def _format(request) -> str | None:
    file_format = request.POST.get("format", "")
    return file_format if file_format in ExportFormat.values else None


def _bad_format() -> HttpResponseBadRequest:
    return HttpResponseBadRequest(
        _("Choose the format of the file: CSV or XLSX."), content_type="text/plain; charset=utf-8"
    )


def _start(request, *, kind: str, params: dict, file_format: str):
    job = exports.request_export(
        user=request.user,
        kind=kind,
        params=params,
        file_format=file_format,
        language=get_language(),
    )
    return redirect("cohorts:export_status", job_id=job.pk)


@require_POST
@access.workspace_view
def cohort_export(request, cohort_id: int):
    """The cohort's progress matrix as CSV or XLSX."""
    cohort = access.cohort_for(request.user, cohort_id)
    file_format = _format(request)
    if file_format is None:
        return _bad_format()
    return _start(
        request,
        kind=exports.COHORT_MATRIX,
        params={"cohort_id": cohort.pk},
        file_format=file_format,
    )


@require_POST
@access.workspace_view
def report_export(request):
    """The programme report with the filters of the page it was asked from."""
    file_format = _format(request)
    if file_format is None:
        return _bad_format()
    choices = reports.filter_choices(request.user)
    filters, _notices = reports.parse_filters(request.POST, choices)
    return _start(
        request,
        kind=exports.PROGRAMME_REPORT,
        params=filters.as_params(),
        file_format=file_format,
    )


def _own_job(request, job_id: int) -> ExportJob:
    return get_object_or_404(ExportJob, pk=job_id, requested_by=request.user)


@require_safe
@access.workspace_view
def status(request, job_id: int):
    job = _own_job(request, job_id)
    if request.GET.get("format") == "json":
        response = JsonResponse(exports.status_payload(job))
        add_never_cache_headers(response)
        return response
    kind = exports.EXPORT_KINDS.get(job.kind)
    response = render(
        request,
        "cohorts/export_status.html",
        {
            "job": job,
            "payload": exports.status_payload(job),
            "description": kind.describe(job) if kind else job.kind,
            "back_url": kind.back_url(job) if kind else None,
            "back_label": kind.back_label if kind else "",
            "kept_until": exports.kept_until(job) if job.status == ExportStatus.READY else None,
            "finished": job.status in (ExportStatus.READY, ExportStatus.FAILED),
        },
    )
    add_never_cache_headers(response)
    return response


@require_safe
@access.workspace_view
def download(request, job_id: int):
    job = _own_job(request, job_id)
    if job.status != ExportStatus.READY or not job.file:
        return redirect("cohorts:export_status", job_id=job.pk)
    try:
        handle = job.file.open("rb")
    except FileNotFoundError as gone:
        raise Http404 from gone
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=job.filename or f"export.{job.file_format}",
        content_type=exports.CONTENT_TYPES[job.file_format],
    )
    add_never_cache_headers(response)
    return response
