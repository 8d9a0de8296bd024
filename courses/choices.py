from django.db import models
from django.utils.translation import gettext_lazy as _


class Level(models.TextChoices):
    INTRODUCTORY = "introductory", _("Introductory")
    INTERMEDIATE = "intermediate", _("Intermediate")
    ADVANCED = "advanced", _("Advanced")


class EnrolmentSource(models.TextChoices):
    SELF = "self", _("Self-enrolled")
    COHORT = "cohort", _("Enrolled with a cohort")
