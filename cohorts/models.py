"""The trainer's side: cohorts (a training event for one course), who is in them, what was
sent to them, and the exports trainers ask for.

A trainee's progress is not stored here: it is the courses app's Enrolment and ItemProgress
and the quizzes app's attempts, read through the members of a cohort.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.files.storage import storages
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from case_studies.choices import Region

# No 0/O or 1/I/L: codes are read aloud in training rooms and typed on phones.
JOIN_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
JOIN_CODE_LENGTH = 8


def new_join_code() -> str:
    return "".join(secrets.choice(JOIN_CODE_ALPHABET) for _ in range(JOIN_CODE_LENGTH))


class Cohort(models.Model):
    name = models.CharField(_("name"), max_length=200)
    course = models.ForeignKey(
        "courses.CoursePage",
        on_delete=models.PROTECT,
        related_name="cohorts",
        verbose_name=_("course"),
    )
    country = CountryField(_("country"), blank=True, help_text=_("Where the training is held."))
    region = models.CharField(_("region"), max_length=20, choices=Region.choices)
    host_organisation = models.CharField(_("host organisation"), max_length=200, blank=True)
    starts_on = models.DateField(_("start date"))
    ends_on = models.DateField(_("end date"))
    trainers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="cohorts_trained", verbose_name=_("trainers")
    )
    join_code = models.CharField(
        _("join code"), max_length=JOIN_CODE_LENGTH, unique=True, default=new_join_code
    )
    joining_open = models.BooleanField(
        _("trainees may join with the code"),
        default=True,
        help_text=_("Turn off once everyone has joined; invitations still work."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("cohort")
        verbose_name_plural = _("cohorts")
        ordering = ["-starts_on", "name"]
        permissions = [("view_all_cohorts", "Can see every cohort and programme report")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")),
                name="cohort_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return self.name


class MembershipSource(models.TextChoices):
    CODE = "code", _("Joined with the code")
    INVITATION = "invitation", _("Invited")


class Membership(models.Model):
    """A trainee in a cohort. Joining also enrols the trainee in the cohort's course."""

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="cohort_memberships"
    )
    source = models.CharField(_("how they joined"), max_length=12, choices=MembershipSource)
    joined_at = models.DateTimeField(_("joined at"))
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("cohort member")
        verbose_name_plural = _("cohort members")
        constraints = [
            models.UniqueConstraint(fields=["cohort", "user"], name="unique_cohort_member")
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.cohort}"


class Reminder(models.Model):
    """One reminder e-mail sent by a trainer to one trainee (kept to avoid repeats)."""

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="reminders")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    requested_at = models.DateTimeField(_("requested at"))
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    message = models.TextField(_("personal message"), blank=True, max_length=1000)

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        indexes = [models.Index(fields=["cohort", "user", "requested_at"])]

    def __str__(self) -> str:
        return f"Reminder to {self.user} ({self.cohort})"


class Digest(models.Model):
    """The weekly digest sent to one trainer for one ISO week: sent once, however often the
    beat job runs."""

    trainer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    week = models.CharField(_("ISO week"), max_length=8)  # e.g. 2026-W48
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("weekly digest")
        verbose_name_plural = _("weekly digests")
        constraints = [
            models.UniqueConstraint(fields=["trainer", "week"], name="unique_digest_per_week")
        ]

    def __str__(self) -> str:
        return f"Digest {self.week} for {self.trainer}"


def _exports_storage():
    return storages["exports"]


class ExportStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    RUNNING = "running", _("Being prepared")
    READY = "ready", _("Ready")
    FAILED = "failed", _("Failed")


class ExportFormat(models.TextChoices):
    CSV = "csv", "CSV"
    XLSX = "xlsx", "XLSX"


class ExportJob(models.Model):
    """A file a trainer asked for, prepared by a Celery task. Only its requester may
    download it; files are kept for EXPORT_RETENTION_DAYS."""

    kind = models.CharField(_("kind"), max_length=30)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    file_format = models.CharField(_("format"), max_length=4, choices=ExportFormat)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="export_jobs"
    )
    language = models.CharField(_("language"), max_length=8, default=settings.LANGUAGE_CODE)
    status = models.CharField(
        _("status"), max_length=8, choices=ExportStatus, default=ExportStatus.PENDING
    )
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    file = models.FileField(_("file"), storage=_exports_storage, upload_to="exports/", blank=True)
    filename = models.CharField(_("file name"), max_length=200, blank=True)
    error = models.CharField(_("error"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("export")
        verbose_name_plural = _("exports")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.kind} {self.file_format} ({self.status})"
