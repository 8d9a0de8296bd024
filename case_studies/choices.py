from django.db import models
from django.utils.translation import gettext_lazy as _


class Region(models.TextChoices):
    """UN M49 macro-regions, plus one for cases that span several of them."""

    AFRICA = "africa", _("Africa")
    AMERICAS = "americas", _("Americas")
    ASIA = "asia", _("Asia")
    EUROPE = "europe", _("Europe")
    OCEANIA = "oceania", _("Oceania")
    MULTI_REGIONAL = "multi_regional", _("Multi-regional")
