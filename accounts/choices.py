from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """The groups that carry each role's permissions (created by a data migration)."""

    TRAINEES = "Trainees", _("Trainees")
    TRAINERS = "Trainers", _("Trainers")
    EDITORS = "Editors", _("Editors")
    ADMINISTRATORS = "Administrators", _("Administrators")
