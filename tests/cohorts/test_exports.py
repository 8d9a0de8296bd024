"""Export jobs: asking for a file, following it, downloading it; the CSV and XLSX writers;
the job runner (access re-checked, idempotent, failures shown) and the purge."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.utils import translation
from openpyxl import load_workbook

from cohorts import exports, selectors
from cohorts.models import ExportJob, ExportStatus
from cohorts.tables import Table

from .conftest import make_cohort, make_user
from .test_reports import join

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(autouse=True)
def export_storage(tmp_path, monkeypatch):
    """Export files go to a throw-away folder (the field's storage is fixed at import)."""
    storage = FileSystemStorage(location=tmp_path / "exports")
    monkeypatch.setattr(ExportJob._meta.get_field("file"), "storage", storage)
    return tmp_path / "exports"


def stored_files(folder) -> list:
    return [path for path in folder.rglob("*") if path.is_file()] if folder.exists() else []


@pytest.fixture
def matrix(monkeypatch):
    """Stands in for cohorts.selectors.matrix_export_tables (written elsewhere): two tables,
    one with a name that starts like a formula. Records the cohort and language it saw."""
    seen = []

    def fake(cohort, *, now=None):
        seen.append({"cohort": cohort, "language": translation.get_language(), "now": now})
        return [
            Table(
                title="Progress by trainee and module",
                header=["Trainee", "Progress (%)"],
                rows=[['=HYPERLINK("http://evil")', 50], ["Aïssatou Ndiaye", 100]],
                notes=["Progress is the share of lessons and quizzes done."],
            ),
            Table(title="Quiz scores", header=["Trainee", "Best score (%)"], rows=[["Ana", -1]]),
        ]

    monkeypatch.setattr(selectors, "matrix_export_tables", fake, raising=False)
    return seen


def read_csv(content: bytes) -> list[list[str]]:
    assert content.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def read_xlsx(content: bytes):
    return load_workbook(io.BytesIO(content))


def download(client, job) -> bytes:
    response = client.get(f"/trainer/exports/{job.pk}/download/")
    assert response.status_code == 200
    return b"".join(response.streaming_content)


# --- the writers ----------------------------------------------------------------------------


def tables() -> list[Table]:
    return [
        Table(
            title="By country",
            header=["Country", "Enrolled"],
            rows=[["Côte d'Ivoire", 12], ["=1+2", "<5"], ["-3", -3], [None, 0.5]],
            notes=["Counts below 5 are shown as “<5”."],
        ),
        Table(title="Second", header=["A"], rows=[["@SUM(A1)"]]),
    ]


def test_csv_has_a_bom_titles_blank_lines_between_tables_and_no_formulas():
    rows = read_csv(exports.write_csv(tables()))
    assert rows == [
        ["By country"],
        ["Country", "Enrolled"],
        ["Côte d'Ivoire", "12"],
        ["'=1+2", "<5"],
        ["'-3", "-3"],  # text that looks like a formula is neutralised; a number is not
        ["", "0.5"],
        [],
        ["Counts below 5 are shown as “<5”."],
        [],
        ["Second"],
        ["A"],
        ["'@SUM(A1)"],
    ]


def test_xlsx_has_a_sheet_per_table_a_bold_header_numbers_and_notes_under_the_table():
    workbook = read_xlsx(exports.write_xlsx(tables()))
    assert workbook.sheetnames == ["By country", "Second"]
    sheet = workbook["By country"]
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values == [
        ["Country", "Enrolled"],
        ["Côte d'Ivoire", 12],
        ["=1+2", "<5"],
        ["-3", -3],
        [None, 0.5],
        [None, None],
        ["Counts below 5 are shown as “<5”.", None],
    ]
    assert all(cell.font.b for cell in sheet[1])
    assert not sheet["A2"].font.b
    assert sheet["A3"].data_type == "s"  # stored as text, never a formula
    assert workbook["Second"]["A2"].data_type == "s"


@pytest.mark.parametrize(
    ("titles", "names"),
    [
        (["Progress"], ["Progress"]),
        (["Scores: quiz 1/2 [draft]?"], ["Scores- quiz 1-2 -draft--"]),
        (["A" * 40], ["A" * 31]),
        (["Same", "same", "Same"], ["Same", "same (2)", "Same (3)"]),
        (["B" * 40, "B" * 35], ["B" * 31, "B" * 27 + " (2)"]),
        (["", "'"], ["Sheet", "Sheet (2)"]),
    ],
)
def test_sheet_names_are_valid_short_and_unique(titles, names):
    assert exports.sheet_names(titles) == names
    assert all(len(name) <= 31 for name in names)


def test_a_shortened_sheet_name_keeps_the_full_title_under_the_table():
    title = "Enrolled and completed by MIGOF element"
    workbook = read_xlsx(exports.write_xlsx([Table(title=title, header=["X"], rows=[[1]])]))
    sheet = workbook.worksheets[0]
    assert sheet.title == title[:31]
    assert [row[0].value for row in sheet.iter_rows()][-1] == title


# --- asking for a cohort export and getting it ----------------------------------------------


def test_a_trainer_exports_a_cohort_as_xlsx_and_downloads_it(
    cohort, trainer, client_for, matrix, django_capture_on_commit_callbacks
):
    client = client_for(trainer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/trainer/cohorts/{cohort.pk}/export/", {"format": "xlsx"})
    job = ExportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/trainer/exports/{job.pk}/"
    assert (job.kind, job.file_format, job.requested_by, job.params) == (
        "cohort_matrix",
        "xlsx",
        trainer,
        {"cohort_id": cohort.pk},
    )
    assert job.status == ExportStatus.READY
    assert job.progress == 100
    assert job.finished_at is not None
    assert matrix[0]["cohort"] == cohort

    page = client.get(response["Location"])
    assert "Ready" in page.text
    assert f'href="/trainer/exports/{job.pk}/download/"' in page.text
    assert 'aria-live="polite"' in page.text
    assert "The file is deleted on" in page.text

    response = client.get(f"/trainer/exports/{job.pk}/download/")
    assert response["Content-Type"] == XLSX
    assert response["Content-Disposition"].startswith("attachment;")
    today = job.finished_at.date().isoformat()
    assert f'filename="cohort-dakar-2026-progress-{today}.xlsx"' in response["Content-Disposition"]
    workbook = read_xlsx(b"".join(response.streaming_content))
    assert workbook.sheetnames == ["Progress by trainee and module", "Quiz scores"]
    sheet = workbook["Progress by trainee and module"]
    assert sheet["A2"].value == '=HYPERLINK("http://evil")'
    assert sheet["A2"].data_type == "s"
    assert sheet["A3"].value == "Aïssatou Ndiaye"


def test_a_cohort_export_as_csv(
    cohort, trainer, client_for, matrix, django_capture_on_commit_callbacks
):
    client = client_for(trainer)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/trainer/cohorts/{cohort.pk}/export/", {"format": "csv"})
    job = ExportJob.objects.get()
    response = client.get(f"/trainer/exports/{job.pk}/download/")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert job.filename.endswith(".csv")
    rows = read_csv(b"".join(response.streaming_content))
    assert rows[:3] == [
        ["Progress by trainee and module"],
        ["Trainee", "Progress (%)"],
        [
            '\'=HYPERLINK("http://evil")',
            "50",
        ],
    ]
    assert ["Quiz scores"] in rows
    assert ["Ana", "-1"] in rows


def test_an_export_is_prepared_in_the_language_of_the_one_who_asked(
    cohort, trainer, client_for, matrix, django_capture_on_commit_callbacks
):
    trainer.preferred_language = "fr"
    trainer.save(update_fields=["preferred_language"])
    client = client_for(trainer)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/trainer/cohorts/{cohort.pk}/export/", {"format": "csv"})
    job = ExportJob.objects.get()
    assert job.language == "fr"
    assert matrix[0]["language"] == "fr"


@pytest.mark.parametrize("value", ["", "pdf", "CSV"])
def test_an_unknown_format_is_a_400_that_says_why(cohort, trainer, client_for, value):
    response = client_for(trainer).post(f"/trainer/cohorts/{cohort.pk}/export/", {"format": value})
    assert response.status_code == 400
    assert "CSV or XLSX" in response.text
    assert not ExportJob.objects.exists()


def test_exporting_needs_a_post(cohort, trainer, client_for):
    client = client_for(trainer)
    assert client.get(f"/trainer/cohorts/{cohort.pk}/export/").status_code == 405
    assert client.get("/trainer/reports/export/").status_code == 405
    assert not ExportJob.objects.exists()


def test_the_status_page_follows_a_job_that_is_not_ready_yet(cohort, trainer, client_for):
    client = client_for(trainer)
    client.post(f"/trainer/cohorts/{cohort.pk}/export/", {"format": "xlsx"})  # not run: no commit
    job = ExportJob.objects.get()
    assert job.status == ExportStatus.PENDING
    page = client.get(f"/trainer/exports/{job.pk}/")
    assert "Waiting" in page.text
    assert '<progress id="export-progress" max="100" value="0">' in page.text
    assert "Check again" in page.text
    assert 'src="/static/cohorts/export_status.js" defer' in page.text
    data = client.get(f"/trainer/exports/{job.pk}/", {"format": "json"}).json()
    assert data == {
        "status": "pending",
        "status_label": "Waiting",
        "progress": 0,
        "progress_text": "0%",
        "message": "Your file is waiting to be prepared.",
        "download_url": None,
        "filename": "",
    }
    # Asking for the file too early leads back to the status page.
    early = client.get(f"/trainer/exports/{job.pk}/download/")
    assert early.status_code == 302
    assert early["Location"] == f"/trainer/exports/{job.pk}/"


def test_the_json_status_gives_the_download_link_when_ready(
    cohort, trainer, client_for, matrix, django_capture_on_commit_callbacks
):
    client = client_for(trainer)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/trainer/cohorts/{cohort.pk}/export/", {"format": "csv"})
    job = ExportJob.objects.get()
    response = client.get(f"/trainer/exports/{job.pk}/", {"format": "json"})
    assert "no-cache" in response["Cache-Control"]
    data = response.json()
    assert (data["status"], data["progress"]) == ("ready", 100)
    assert data["download_url"] == f"/trainer/exports/{job.pk}/download/"
    assert data["filename"] == job.filename


# --- the programme report export ------------------------------------------------------------


@pytest.fixture
def small_counts(small, trainer):
    cohort = make_cohort(small.course, [trainer], country="SN")
    join(cohort, 9, country="SN")
    join(cohort, 6, country="GH")
    join(cohort, 3, country="ML")
    return cohort


def test_the_report_export_keeps_the_filters_and_the_small_count_rule(
    small_counts, trainer, client_for, django_capture_on_commit_callbacks
):
    client = client_for(trainer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/trainer/reports/export/",
            {"format": "csv", "dimension": "country", "date_from": "2000-01-01", "cohort": ""},
        )
    job = ExportJob.objects.get()
    assert response["Location"] == f"/trainer/exports/{job.pk}/"
    assert job.kind == "programme_report"
    assert job.params["date_from"] == "2000-01-01"
    assert job.status == ExportStatus.READY
    assert job.filename.startswith("programme-report-by-country-")
    rows = read_csv(download(client, job))
    assert rows[0] == ["Enrolled and completed by country"]
    assert rows[1] == ["Country", "Enrolled", "Completed"]
    assert rows[2:6] == [
        ["Ghana", "–", "<5"],
        ["Mali", "<5", "<5"],
        ["Senegal", "9", "<5"],
        ["Total", "18", "<5"],
    ]
    cells = {cell for row in rows[2:6] for cell in row}
    assert "3" not in cells and "6" not in cells
    notes = [row[0] for row in rows[6:] if row]
    assert any(note.startswith("Period: from") for note in notes)
    assert any("shown as “<5”" in note for note in notes)
    assert any("cannot be worked out from the total" in note for note in notes)


def test_the_report_export_as_xlsx(
    small_counts, trainer, client_for, django_capture_on_commit_callbacks
):
    client = client_for(trainer)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/trainer/reports/export/", {"format": "xlsx", "dimension": "country"})
    job = ExportJob.objects.get()
    sheet = read_xlsx(download(client, job)).worksheets[0]
    values = [[cell.value for cell in row] for row in sheet.iter_rows(max_row=5)]
    assert values == [
        ["Country", "Enrolled", "Completed"],
        ["Ghana", "–", "<5"],
        ["Mali", "<5", "<5"],
        ["Senegal", 9, "<5"],
        ["Total", 18, "<5"],
    ]


def test_an_administrators_report_export_counts_everyone(
    small_counts, small, administrator, client_for, django_capture_on_commit_callbacks
):
    from .test_reports import self_paced

    self_paced(small.course, 5, country="FR")
    client = client_for(administrator)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/trainer/reports/export/", {"format": "csv", "dimension": "region"})
    rows = read_csv(download(client, ExportJob.objects.get()))
    assert ["Africa", "18", "<5"] in rows
    assert ["Self-paced (no cohort)", "5", "<5"] in rows


# --- who may do what ------------------------------------------------------------------------


@pytest.fixture
def ready_job(cohort, trainer, matrix):
    job = exports.request_export(
        user=trainer,
        kind=exports.COHORT_MATRIX,
        params={"cohort_id": cohort.pk},
        file_format="csv",
        language="en",
    )
    exports.run_export(job.pk, now=NOW)
    job.refresh_from_db()
    assert job.status == ExportStatus.READY
    return job


def job_urls(job) -> list[str]:
    return [
        f"/trainer/exports/{job.pk}/",
        f"/trainer/exports/{job.pk}/?format=json",
        f"/trainer/exports/{job.pk}/download/",
    ]


def test_another_trainer_gets_404_for_someone_elses_job_and_cohort(
    ready_job, cohort, other_trainer, client_for
):
    client = client_for(other_trainer)
    for url in job_urls(ready_job):
        assert client.get(url).status_code == 404, url
    response = client.post(f"/trainer/cohorts/{cohort.pk}/export/", {"format": "csv"})
    assert response.status_code == 404
    assert ExportJob.objects.count() == 1


def test_even_an_administrator_cannot_download_someone_elses_file(
    ready_job, administrator, client_for
):
    for url in job_urls(ready_job):
        assert client_for(administrator).get(url).status_code == 404, url


def test_a_trainee_is_refused_every_export_url(ready_job, cohort, trainee, client_for):
    client = client_for(trainee)
    for url in job_urls(ready_job):
        assert client.get(url).status_code == 403, url
    assert (
        client.post(f"/trainer/cohorts/{cohort.pk}/export/", {"format": "csv"}).status_code == 403
    )
    assert client.post("/trainer/reports/export/", {"format": "csv"}).status_code == 403


def test_an_anonymous_visitor_is_sent_to_log_in_from_every_export_url(ready_job, cohort, client):
    responses = [client.get(url) for url in job_urls(ready_job)] + [
        client.post(f"/trainer/cohorts/{cohort.pk}/export/", {"format": "csv"}),
        client.post("/trainer/reports/export/", {"format": "csv"}),
    ]
    for response in responses:
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    assert ExportJob.objects.count() == 1


# --- the job runner -------------------------------------------------------------------------


def test_running_a_job_twice_leaves_one_file(ready_job, export_storage, matrix):
    assert len(stored_files(export_storage)) == 1
    name = ready_job.file.name
    assert exports.run_export(ready_job.pk, now=NOW + timedelta(hours=1)) == "ready"
    ready_job.refresh_from_db()
    assert ready_job.file.name == name
    assert ready_job.finished_at == NOW
    assert len(stored_files(export_storage)) == 1
    assert len(matrix) == 1  # the tables were not even built again


def test_a_second_run_that_finishes_after_the_first_keeps_the_first_file(
    cohort, trainer, export_storage, monkeypatch
):
    """Two workers picked up the same job (a redelivered task): the one that finishes last
    finds the job ready and throws its own file away."""
    job = exports.request_export(
        user=trainer,
        kind=exports.COHORT_MATRIX,
        params={"cohort_id": cohort.pk},
        file_format="csv",
        language="en",
    )

    def build_while_another_run_finishes(cohort, *, now=None):
        monkeypatch.setattr(selectors, "matrix_export_tables", lambda c, *, now=None: [])
        assert exports.run_export(job.pk, now=NOW) == "ready"  # the other worker
        return [Table(title="Late", header=["X"])]

    monkeypatch.setattr(
        selectors, "matrix_export_tables", build_while_another_run_finishes, raising=False
    )
    assert exports.run_export(job.pk, now=NOW) == "ready"
    assert len(stored_files(export_storage)) == 1
    job.refresh_from_db()
    assert "Late" not in job.file.read().decode("utf-8-sig")


def test_progress_is_saved_while_the_job_runs(cohort, trainer, monkeypatch):
    job = exports.request_export(
        user=trainer,
        kind=exports.COHORT_MATRIX,
        params={"cohort_id": cohort.pk},
        file_format="xlsx",
        language="en",
    )
    seen = []

    def build(cohort, *, now=None):
        seen.append(ExportJob.objects.values_list("status", "progress").get(pk=job.pk))
        return [Table(title="Big", header=["N"], rows=[[n] for n in range(1200)])]

    saved = []
    original = exports._save_progress
    monkeypatch.setattr(selectors, "matrix_export_tables", build, raising=False)
    monkeypatch.setattr(
        exports,
        "_save_progress",
        lambda j, p: (original(j, p), saved.append(ExportJob.objects.get(pk=j.pk).progress)),
    )
    exports.run_export(job.pk, now=NOW)
    assert seen == [("running", 5)]
    assert saved == sorted(saved)
    assert 50 < saved[1] < 95  # written every 500 rows of 1200
    assert saved[-1] == 95
    job.refresh_from_db()
    assert (job.status, job.progress) == ("ready", 100)


def test_a_trainer_who_lost_the_cohort_before_the_job_ran_gets_no_file(
    cohort, trainer, client_for, matrix, export_storage
):
    client = client_for(trainer)
    client.post(f"/trainer/cohorts/{cohort.pk}/export/", {"format": "csv"})
    job = ExportJob.objects.get()
    cohort.trainers.remove(trainer)
    assert exports.run_export(job.pk, now=NOW) == "failed"
    job.refresh_from_db()
    assert job.status == ExportStatus.FAILED
    assert not job.file
    assert matrix == []
    assert stored_files(export_storage) == []
    page = client.get(f"/trainer/exports/{job.pk}/")
    assert "Failed" in page.text
    assert "You can no longer see this cohort" in page.text
    assert client.get(f"/trainer/exports/{job.pk}/download/").status_code == 302


def test_a_report_export_for_a_cohort_no_longer_visible_fails(small, trainer):
    mine = make_cohort(small.course, [trainer])
    job = exports.request_export(
        user=trainer,
        kind=exports.PROGRAMME_REPORT,
        params={"dimension": "country", "cohort": str(mine.pk)},
        file_format="csv",
        language="en",
    )
    mine.trainers.clear()
    other = make_user("someone@example.org")
    mine.trainers.add(other)
    assert exports.run_export(job.pk, now=NOW) == "failed"
    job.refresh_from_db()
    assert "no longer report on" in job.error


def test_a_failing_export_says_so_and_is_not_retried_forever(cohort, trainer, monkeypatch):
    def broken(cohort, *, now=None):
        raise RuntimeError("database went away")

    monkeypatch.setattr(selectors, "matrix_export_tables", broken, raising=False)
    job = exports.request_export(
        user=trainer,
        kind=exports.COHORT_MATRIX,
        params={"cohort_id": cohort.pk},
        file_format="xlsx",
        language="en",
    )
    assert exports.run_export(job.pk, now=NOW) == "failed"
    job.refresh_from_db()
    assert job.error.startswith("The file could not be prepared.")
    assert "database" not in job.error
    assert exports.run_export(job.pk, now=NOW) == "failed"  # a failed job is left alone


def test_a_job_that_no_longer_exists_is_skipped():
    assert exports.run_export(987654, now=NOW) == "missing"


def test_the_task_runs_the_export(cohort, trainer, matrix):
    from cohorts.tasks import run_export_task

    job = exports.request_export(
        user=trainer,
        kind=exports.COHORT_MATRIX,
        params={"cohort_id": cohort.pk},
        file_format="csv",
        language="en",
    )
    assert run_export_task.delay(job.pk).get() == "ready"


# --- the purge ------------------------------------------------------------------------------


def test_files_and_jobs_older_than_the_retention_period_are_deleted(
    trainer, settings, export_storage
):
    settings.EXPORT_RETENTION_DAYS = 7

    def job(finished_days_ago: int | None, created_days_ago: int) -> ExportJob:
        made = ExportJob.objects.create(
            kind="cohort_matrix",
            file_format="csv",
            requested_by=trainer,
            status=ExportStatus.READY if finished_days_ago is not None else ExportStatus.PENDING,
            finished_at=NOW - timedelta(days=finished_days_ago)
            if finished_days_ago is not None
            else None,
        )
        ExportJob.objects.filter(pk=made.pk).update(
            created_at=NOW - timedelta(days=created_days_ago)
        )
        if finished_days_ago is not None:
            made.file.save(f"{made.pk}.csv", ContentFile(b"x"))
        return made

    old = job(8, 8)
    fresh = job(2, 9)  # asked for long ago, prepared recently: kept 7 days from then
    stale = job(None, 10)  # never prepared
    assert len(stored_files(export_storage)) == 2
    assert exports.purge_expired(now=NOW) == 2
    assert list(ExportJob.objects.values_list("pk", flat=True)) == [fresh.pk]
    assert [path.name for path in stored_files(export_storage)] == [f"{fresh.pk}.csv"]
    assert not ExportJob.objects.filter(pk__in=[old.pk, stale.pk]).exists()


def test_the_purge_task_uses_the_clock(trainer, settings):
    from django.utils import timezone

    from cohorts.tasks import purge_expired_exports_task

    settings.EXPORT_RETENTION_DAYS = 7
    old, fresh = (
        ExportJob.objects.create(kind="cohort_matrix", file_format="csv", requested_by=trainer)
        for _ in range(2)
    )
    ExportJob.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=8))
    assert purge_expired_exports_task.delay().get() == 1
    assert list(ExportJob.objects.values_list("pk", flat=True)) == [fresh.pk]


def test_the_real_progress_matrix_exports_with_the_trainees_names(
    cohort, trainer, trainee, client_for, django_capture_on_commit_callbacks
):
    client = client_for(trainer)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/trainer/cohorts/{cohort.pk}/export/", {"format": "xlsx"})
    job = ExportJob.objects.get()
    assert job.status == ExportStatus.READY, job.error
    workbook = read_xlsx(download(client, job))
    names = [cell.value for sheet in workbook for row in sheet.iter_rows() for cell in row]
    assert trainee.full_name in names


def test_a_report_export_cannot_reach_another_trainers_cohort(
    small, trainer, other_trainer, client_for, django_capture_on_commit_callbacks
):
    mine = make_cohort(small.course, [trainer], name="Mine", country="SN")
    theirs = make_cohort(small.course, [other_trainer], name="Theirs", country="EC")
    join(mine, 5, country="SN")
    join(theirs, 7, country="EC")
    client = client_for(trainer)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/trainer/reports/export/", {"format": "csv", "cohort": theirs.pk})
    job = ExportJob.objects.get()
    assert job.params["cohort"] == ""  # not one of theirs: left out, as on the page
    rows = read_csv(download(client, job))
    assert ["Senegal", "5", "<5"] in rows
    assert not [row for row in rows if row and row[0] == "Ecuador"]
