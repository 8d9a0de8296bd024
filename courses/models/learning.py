"""What each learner has done. Plain models, never pages or revisions.

Every write that must not be lost or doubled is guarded by a unique constraint; the services
in courses/services.py use get_or_create and select_for_update against these constraints.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ..choices import EnrolmentSource


class Enrolment(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrolments"
    )
    course = models.ForeignKey(
        "courses.CoursePage", on_delete=models.PROTECT, related_name="enrolments"
    )
    source = models.CharField(
        _("source"), max_length=10, choices=EnrolmentSource.choices, default=EnrolmentSource.SELF
    )
    enrolled_at = models.DateTimeField(_("enrolled at"))
    left_at = models.DateTimeField(_("left at"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    last_activity_at = models.DateTimeField(_("last activity"), null=True, blank=True)

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        constraints = [models.UniqueConstraint(fields=["user", "course"], name="unique_enrolment")]
        indexes = [models.Index(fields=["course", "completed_at"])]

    def __str__(self) -> str:
        return f"{self.user} in {self.course}"

    @property
    def is_active(self) -> bool:
        return self.left_at is None


class ItemProgress(models.Model):
    """One learner's state on one course item (a lesson, later a quiz): started, completed."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="item_progress"
    )
    page = models.ForeignKey(
        "wagtailcore.Page", on_delete=models.CASCADE, related_name="learner_progress"
    )
    started_at = models.DateTimeField(_("started at"))
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("item progress")
        verbose_name_plural = _("item progress")
        constraints = [
            models.UniqueConstraint(fields=["user", "page"], name="unique_item_progress")
        ]

    def __str__(self) -> str:
        state = "completed" if self.completed_at else "started"
        return f"{self.user} {state} {self.page_id}"


class Certificate(models.Model):
    """Exactly one per completed enrolment. Its code is public; its file is the learner's."""

    enrolment = models.OneToOneField(
        Enrolment, on_delete=models.PROTECT, related_name="certificate"
    )
    code = models.CharField(_("verification code"), max_length=20, unique=True)
    learner_name = models.CharField(_("learner's name"), max_length=200)
    course_title = models.CharField(_("course"), max_length=255)
    elements_covered = models.CharField(_("MIGOF elements covered"), max_length=255, blank=True)
    completed_on = models.DateField(_("completed on"))
    issued_at = models.DateTimeField(_("issued at"))
    file = models.FileField(_("PDF"), upload_to="certificates/", blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_reason = models.CharField(_("reason for revoking"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        ordering = ["-issued_at"]

    def __str__(self) -> str:
        return f"{self.code} {self.learner_name} – {self.course_title}"

    @property
    def is_valid(self) -> bool:
        return self.revoked_at is None
