from django.db import models
from django.utils.translation import gettext_lazy as _


class FactStatus(models.TextChoices):
    """How sure the reference data is of a fact (see data/migration_governance_sources.md)."""

    CONFIRMED = "confirmed", _("Confirmed")
    PARTIALLY_CONFIRMED = "partially_confirmed", _("Partially confirmed")
    UNCONFIRMED = "unconfirmed", _("Unconfirmed")
    EDITORIAL = "editorial", _("Editorial judgement")


class ElementKind(models.TextChoices):
    PRINCIPLE = "principle", _("Principle")
    OBJECTIVE = "objective", _("Objective")


class MappingRole(models.TextChoices):
    PRIMARY = "primary", _("Primary")
    SECONDARY = "secondary", _("Secondary")


class DocumentType(models.TextChoices):
    RESOLUTION = "resolution", _("Resolution")
    DECLARATION = "declaration", _("Declaration")
    REPORT = "report", _("Report")
    AGREEMENT = "agreement", _("Agreement or compact")
    PUBLICATION = "publication", _("Publication")
    OTHER = "other", _("Other")
