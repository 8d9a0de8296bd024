"""Export files: asked for in the workspace, prepared by a Celery task, downloaded by the
one who asked.

- `request_export` (service) records an ExportJob and queues `run_export_task` after the
  transaction commits.
- `run_export` (the task's body) builds the tables of the job's kind (EXPORT_KINDS), writes
  them as CSV or XLSX (WRITERS) in the requester's language, and saves the file on the
  private "exports" storage, reporting progress on the job as it goes. It re-checks that
  the requester may still see what they asked for. It is idempotent: a job that is ready or
  failed is left alone, and a second run never leaves a second file.
- `purge_expired` deletes files and jobs older than EXPORT_RETENTION_DAYS.
"""

from __future__ import annotations

import csv
import io
import logging
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from urllib.parse import urlencode

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.crypto import salted_hmac
from django.utils.text import slugify
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

from quizzes.statistics import text_cell
from training_site.checkpoints import checkpoint
from training_site.files import save_replacing

from . import access, reports, selectors
from .models import ExportFormat, ExportJob, ExportStatus
from .tables import Cell, Table

logger = logging.getLogger(__name__)

COHORT_MATRIX = "cohort_matrix"
PROGRAMME_REPORT = "programme_report"

CONTENT_TYPES = {
    ExportFormat.CSV: "text/csv; charset=utf-8",
    ExportFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

PROGRESS_EVERY_ROWS = 500  # the writers report progress this often on long tables
SHEET_NAME_MAX = 31
_SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")

ProgressCallback = Callable[[float], None]  # the share of the work done, 0.0 to 1.0


class ExportRefused(Exception):
    """The export may not be prepared; the message is shown to the requester."""


# --- the writers ----------------------------------------------------------------------------


def _report_rows(
    tables: Sequence[Table], on_progress: ProgressCallback | None
) -> Callable[[], None]:
    """A tick to call once per row written: reports progress every PROGRESS_EVERY_ROWS."""
    total = sum(len(table.rows) for table in tables) or 1
    written = 0

    def tick() -> None:
        nonlocal written
        written += 1
        if on_progress is not None and written % PROGRESS_EVERY_ROWS == 0:
            on_progress(written / total)

    return tick


def _csv_cell(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, int | float):
        return str(value)  # numbers are never altered: a negative number stays a number
    return text_cell(str(value))


def write_csv(tables: Sequence[Table], *, on_progress: ProgressCallback | None = None) -> bytes:
    """UTF-8 with a byte order mark (spreadsheets then read accents right). Each table: a
    title line, the header, the rows, then its notes after a blank line; tables are
    separated by a blank line. Text that a spreadsheet would read as a formula is
    neutralised."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, lineterminator="\r\n")
    tick = _report_rows(tables, on_progress)
    for number, table in enumerate(tables):
        if number:
            writer.writerow([])
        writer.writerow([text_cell(table.title)])
        writer.writerow([text_cell(str(heading)) for heading in table.header])
        for row in table.rows:
            writer.writerow([_csv_cell(value) for value in row])
            tick()
        if table.notes:
            writer.writerow([])
            for note in table.notes:
                writer.writerow([text_cell(str(note))])
    return buffer.getvalue().encode("utf-8")


def sheet_names(titles: Iterable[str]) -> list[str]:
    """Valid, unique XLSX sheet names: at most 31 characters, none of []:*?/\\, not empty,
    unique whatever the case (Excel's rule)."""
    names: list[str] = []
    taken: set[str] = set()
    for title in titles:
        base = _SHEET_NAME_FORBIDDEN.sub("-", ILLEGAL_CHARACTERS_RE.sub("", str(title)))
        base = base.strip().strip("'").strip() or gettext("Sheet")
        name = base[:SHEET_NAME_MAX].rstrip()
        counter = 1
        while name.casefold() in taken:
            counter += 1
            suffix = f" ({counter})"
            name = base[: SHEET_NAME_MAX - len(suffix)].rstrip() + suffix
        taken.add(name.casefold())
        names.append(name)
    return names


def _xlsx_text(sheet, text: str, *, bold: bool = False) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", text))
    cell.data_type = "s"  # always text: "=…" is never read as a formula
    if bold:
        cell.font = Font(bold=True)
    return cell


def _xlsx_cell(sheet, value: Cell):
    if value is None or isinstance(value, int | float):
        return value
    return _xlsx_text(sheet, str(value))


def write_xlsx(tables: Sequence[Table], *, on_progress: ProgressCallback | None = None) -> bytes:
    """One sheet per table (streamed: a write-only workbook), the header in bold, the notes
    under the table after a blank row. When a title had to be shortened to name its sheet,
    the full title is the first note."""
    workbook = Workbook(write_only=True)
    tick = _report_rows(tables, on_progress)
    names = sheet_names(table.title for table in tables)
    for table, name in zip(tables, names, strict=True):
        sheet = workbook.create_sheet(title=name)
        sheet.column_dimensions["A"].width = 40
        sheet.freeze_panes = "A2"
        sheet.append([_xlsx_text(sheet, str(heading), bold=True) for heading in table.header])
        for row in table.rows:
            sheet.append([_xlsx_cell(sheet, value) for value in row])
            tick()
        notes = list(table.notes)
        if name != table.title:
            notes.insert(0, table.title)
        if notes:
            sheet.append([])
            for note in notes:
                sheet.append([_xlsx_text(sheet, str(note))])
    if not tables:
        sheet = workbook.create_sheet(title=gettext("Export"))
        sheet.append([_xlsx_text(sheet, gettext("Nothing to export."))])
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


WRITERS: dict[str, Callable[..., bytes]] = {
    ExportFormat.CSV: write_csv,
    ExportFormat.XLSX: write_xlsx,
}


# --- the kinds of export --------------------------------------------------------------------


@dataclass(frozen=True)
class Built:
    tables: list[Table]
    filename_stem: str  # without the date and the extension


def _visible_cohort(job: ExportJob):
    user = job.requested_by
    cohort = None
    if access.may_use_workspace(user):
        cohort = access.cohorts_for(user).filter(pk=job.params.get("cohort_id")).first()
    if cohort is None:
        raise ExportRefused(
            gettext("You can no longer see this cohort, so its export was not prepared.")
        )
    return cohort


def _build_cohort_matrix(job: ExportJob, now: datetime) -> Built:
    cohort = _visible_cohort(job)
    tables = selectors.matrix_export_tables(cohort, now=now)
    name = slugify(cohort.name)[:60].strip("-") or str(cohort.pk)
    return Built(tables=tables, filename_stem=f"cohort-{name}-progress")


def _build_programme_report(job: ExportJob, now: datetime) -> Built:
    user = job.requested_by
    if not access.may_use_workspace(user):
        raise ExportRefused(gettext("You can no longer see programme reports."))
    try:
        tables, stem = reports.report_export(user, job.params)
    except LookupError as missing:
        raise ExportRefused(
            gettext(
                "The report was limited to a cohort or course you can no longer report on, "
                "so it was not prepared."
            )
        ) from missing
    return Built(tables=tables, filename_stem=stem)


def _describe_cohort_matrix(job: ExportJob) -> str:
    cohort = access.cohorts_for(job.requested_by).filter(pk=job.params.get("cohort_id")).first()
    if cohort is None:
        return gettext("Cohort progress")
    return gettext("Progress of the cohort “%(name)s”") % {"name": cohort.name}


def _describe_programme_report(job: ExportJob) -> str:
    dimension = str(job.params.get("dimension", ""))
    title = reports.TITLES.get(dimension)
    return str(title) if title else gettext("Programme report")


def _back_to_cohort(job: ExportJob) -> str:
    cohort_id = job.params.get("cohort_id")
    if isinstance(cohort_id, int):
        return reverse("cohorts:detail", kwargs={"cohort_id": cohort_id})
    return reverse("cohorts:home")


def _back_to_report(job: ExportJob) -> str:
    params = {k: v for k, v in job.params.items() if v not in (None, "")}
    query = urlencode(params)
    return reverse("cohorts:report") + (f"?{query}" if query else "")


@dataclass(frozen=True)
class ExportKind:
    build: Callable[[ExportJob, datetime], Built]
    describe: Callable[[ExportJob], str]
    back_url: Callable[[ExportJob], str]
    back_label: str


EXPORT_KINDS: dict[str, ExportKind] = {
    COHORT_MATRIX: ExportKind(
        build=_build_cohort_matrix,
        describe=_describe_cohort_matrix,
        back_url=_back_to_cohort,
        back_label=_("Back to the cohort"),
    ),
    PROGRAMME_REPORT: ExportKind(
        build=_build_programme_report,
        describe=_describe_programme_report,
        back_url=_back_to_report,
        back_label=_("Back to the programme report"),
    ),
}


# --- the service and the job ----------------------------------------------------------------


@transaction.atomic
def request_export(*, user, kind: str, params: dict, file_format: str, language: str) -> ExportJob:
    """Record the job and queue it once the transaction commits."""
    from .tasks import run_export_task

    if kind not in EXPORT_KINDS:
        raise ValueError(f"unknown export kind {kind!r}")
    job = ExportJob(
        kind=kind,
        params=params,
        file_format=file_format,
        requested_by=user,
        language=language or settings.LANGUAGE_CODE,
    )
    job.full_clean(exclude=["file"])
    job.save()
    transaction.on_commit(partial(run_export_task.delay, job.pk))
    return job


def _save_progress(job: ExportJob, percent: int) -> None:
    percent = max(0, min(99, percent))
    if percent > job.progress:
        job.progress = percent
        job.save(update_fields=["progress"])


def _claim(job_id: int) -> ExportJob | None:
    """The job, marked running; None when there is nothing to do (gone, ready, failed)."""
    with transaction.atomic():
        job = (
            ExportJob.objects.select_for_update()
            .select_related("requested_by")
            .filter(pk=job_id)
            .first()
        )
        if job is None or job.status in (ExportStatus.READY, ExportStatus.FAILED):
            return None
        job.status = ExportStatus.RUNNING
        job.progress = max(job.progress, 5)
        job.save(update_fields=["status", "progress"])
    checkpoint("export-claimed")
    return job


def _fail(job: ExportJob, message: str, now: datetime) -> str:
    with transaction.atomic():
        locked = ExportJob.objects.select_for_update().get(pk=job.pk)
        if locked.status == ExportStatus.READY:
            return locked.status
        locked.status = ExportStatus.FAILED
        locked.error = message[:300]
        locked.finished_at = now
        locked.save(update_fields=["status", "error", "finished_at"])
    return ExportStatus.FAILED


def _stored_name(job: ExportJob) -> str:
    """The job's one file name, `<id>-<secret>.<format>`: the secret derived from the job
    with the site's key (not guessable, the same on every run, so a re-run after a kill
    replaces what the killed run stored)."""
    secret = salted_hmac(
        "cohorts.exports.file", f"{job.pk}:{job.created_at.isoformat()}", algorithm="sha256"
    ).hexdigest()[:24]
    return f"{job.pk}-{secret}.{job.file_format}"


def _finish(job: ExportJob, filename: str, content: bytes, now: datetime) -> str:
    with transaction.atomic():
        locked = ExportJob.objects.select_for_update().get(pk=job.pk)
        if locked.status in (ExportStatus.READY, ExportStatus.FAILED):
            return locked.status  # another run got there first: keep its outcome, no 2nd file
        save_replacing(locked.file, _stored_name(locked), content)
        checkpoint("export-file-stored")
        try:
            locked.filename = filename
            locked.status = ExportStatus.READY
            locked.progress = 100
            locked.error = ""
            locked.finished_at = now
            locked.save(
                update_fields=["file", "filename", "status", "progress", "error", "finished_at"]
            )
        except Exception:
            locked.file.delete(save=False)
            raise
    return ExportStatus.READY


def run_export(job_id: int, *, now: datetime | None = None) -> str:
    """Prepare one export file. Returns the job's status afterwards ("missing" when the job
    no longer exists)."""
    now = now or timezone.now()
    job = _claim(job_id)
    if job is None:
        existing = ExportJob.objects.filter(pk=job_id).values_list("status", flat=True).first()
        return existing or "missing"
    with translation.override(job.language):
        try:
            kind = EXPORT_KINDS.get(job.kind)
            writer = WRITERS.get(job.file_format)
            if kind is None or writer is None:
                raise ExportRefused(gettext("This kind of export is not known."))
            built = kind.build(job, now)
            _save_progress(job, 50)
            content = writer(
                built.tables, on_progress=lambda share: _save_progress(job, 50 + int(45 * share))
            )
            _save_progress(job, 95)
            filename = (
                f"{built.filename_stem}-{timezone.localdate(now).isoformat()}.{job.file_format}"
            )
        except ExportRefused as refused:
            return _fail(job, str(refused), now)
        except Exception:
            logger.exception("Export job %s (%s) failed", job.pk, job.kind)
            return _fail(
                job,
                gettext(
                    "The file could not be prepared. Please ask for it again; if it fails "
                    "again, tell the site's administrators."
                ),
                now,
            )
    return _finish(job, filename, content, now)


def purge_expired(*, now: datetime) -> int:
    """Delete the files and jobs older than EXPORT_RETENTION_DAYS (counted from when the file
    was prepared, or asked for if it never was). Returns how many jobs were deleted."""
    cutoff = now - timedelta(days=settings.EXPORT_RETENTION_DAYS)
    expired = ExportJob.objects.filter(
        Q(finished_at__lt=cutoff) | Q(finished_at__isnull=True, created_at__lt=cutoff)
    )
    deleted = 0
    for job in expired.iterator():
        if job.file:
            job.file.delete(save=False)
        job.delete()
        deleted += 1
    return deleted


def kept_until(job: ExportJob) -> datetime | None:
    if job.finished_at is None:
        return None
    return job.finished_at + timedelta(days=settings.EXPORT_RETENTION_DAYS)


def status_message(job: ExportJob) -> str:
    if job.status == ExportStatus.PENDING:
        return gettext("Your file is waiting to be prepared.")
    if job.status == ExportStatus.RUNNING:
        return gettext("Your file is being prepared.")
    if job.status == ExportStatus.READY:
        return gettext("Your file is ready.")
    return job.error or gettext("The file could not be prepared.")


def status_payload(job: ExportJob) -> dict:
    """What the status page's script reads (?format=json)."""
    ready = job.status == ExportStatus.READY and bool(job.file)
    return {
        "status": job.status,
        "status_label": str(job.get_status_display()),
        "progress": job.progress,
        "progress_text": gettext("%(percent)s%%") % {"percent": job.progress},
        "message": status_message(job),
        "download_url": reverse("cohorts:export_download", kwargs={"job_id": job.pk})
        if ready
        else None,
        "filename": job.filename if ready else "",
    }
