"""Indicator frameworks, their domains and indicators, and key documents.

Each row carries ``ref_id``, the stable identifier of the reference data file
(``data/migration_governance.yaml``), and ``status``, how sure that file is of the fact.
``ref_id`` never changes once set: stored answers and tags point at these rows.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.documents import get_document_model_string
from wagtail.models import Orderable
from wagtail.search import index

from ..choices import DocumentType, FactStatus, MappingRole

REF_ID_HELP = _("Stable identifier, e.g. EIU16-1.1. Never change it once content uses it.")


class StatusMixin(models.Model):
    status = models.CharField(
        _("status"),
        max_length=24,
        choices=FactStatus.choices,
        default=FactStatus.CONFIRMED,
        help_text=_("How sure the sources are. Anything unconfirmed is labelled on the site."),
    )
    status_note = models.TextField(_("status note"), blank=True)

    class Meta:
        abstract = True

    @property
    def is_established(self) -> bool:
        return self.status == FactStatus.CONFIRMED


class IndicatorFramework(StatusMixin, index.Indexed, ClusterableModel):
    ref_id = models.CharField(_("reference id"), max_length=40, unique=True, help_text=REF_ID_HELP)
    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    title = models.CharField(_("title"), max_length=255)
    short_title = models.CharField(_("short title"), max_length=80)
    owner = models.CharField(_("owner"), max_length=255, blank=True)
    description = models.TextField(_("description"), blank=True)
    domain_label = models.CharField(
        _("domain label"),
        max_length=40,
        default="Domain",
        help_text=_("What this framework calls its domains: domain, dimension, objective."),
    )
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    panels = [
        MultiFieldPanel(
            [
                FieldPanel("title"),
                FieldPanel("short_title"),
                FieldPanel("slug"),
                FieldPanel("ref_id"),
            ],
            heading=_("Identity"),
        ),
        FieldPanel("owner"),
        FieldPanel("description"),
        FieldPanel("domain_label"),
        FieldPanel("sort_order"),
        MultiFieldPanel([FieldPanel("status"), FieldPanel("status_note")], heading=_("Status")),
        InlinePanel("response_levels", label=_("Answer scale")),
    ]
    search_fields = [
        index.SearchField("title", boost=3),
        index.AutocompleteField("title"),
        index.SearchField("description"),
        index.FilterField("status"),
    ]

    class Meta:
        ordering = ["sort_order", "title"]
        verbose_name = _("indicator framework")
        verbose_name_plural = _("indicator frameworks")

    def __str__(self) -> str:
        return self.short_title or self.title


class ResponseLevel(Orderable):
    """One level of a framework's answer scale (e.g. SDG 10.7.2: 1 Requires further progress)."""

    framework = ParentalKey(
        IndicatorFramework, on_delete=models.CASCADE, related_name="response_levels"
    )
    value = models.PositiveSmallIntegerField(_("value"))
    label = models.CharField(_("label"), max_length=120)

    panels = [FieldPanel("value"), FieldPanel("label")]

    class Meta(Orderable.Meta):
        constraints = [
            models.UniqueConstraint(fields=["framework", "value"], name="unique_response_level")
        ]

    def __str__(self) -> str:
        return f"{self.value}. {self.label}"


class IndicatorDomain(StatusMixin, index.Indexed, ClusterableModel):
    ref_id = models.CharField(_("reference id"), max_length=40, unique=True, help_text=REF_ID_HELP)
    framework = models.ForeignKey(
        IndicatorFramework, on_delete=models.PROTECT, related_name="domains"
    )
    code = models.CharField(_("code"), max_length=20, help_text=_("As the framework shows it."))
    title = models.CharField(_("title"), max_length=255)
    short_label = models.CharField(_("short label"), max_length=80, blank=True)
    description = models.TextField(_("description"), blank=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)
    mapping_status = models.CharField(
        _("mapping status"),
        max_length=24,
        choices=FactStatus.choices,
        default=FactStatus.CONFIRMED,
        help_text=_("How sure the link to MIGOF elements is (editorial for judgement calls)."),
    )
    mapping_note = models.TextField(_("mapping note"), blank=True)

    panels = [
        FieldPanel("framework"),
        FieldPanel("code"),
        FieldPanel("title"),
        FieldPanel("short_label"),
        FieldPanel("description"),
        FieldPanel("sort_order"),
        FieldPanel("ref_id"),
        MultiFieldPanel([FieldPanel("status"), FieldPanel("status_note")], heading=_("Status")),
        MultiFieldPanel(
            [
                InlinePanel("element_links", label=_("MIGOF element")),
                FieldPanel("mapping_status"),
                FieldPanel("mapping_note"),
            ],
            heading=_("Crosswalk to MIGOF"),
        ),
    ]
    search_fields = [
        index.SearchField("title", boost=2),
        index.AutocompleteField("title"),
        index.SearchField("description"),
        index.FilterField("framework"),
        index.FilterField("status"),
    ]

    class Meta:
        ordering = ["framework__sort_order", "sort_order"]
        verbose_name = _("indicator domain")
        verbose_name_plural = _("indicator domains")
        constraints = [
            models.UniqueConstraint(fields=["framework", "code"], name="unique_domain_code")
        ]

    def __str__(self) -> str:
        return f"{self.framework.short_title} {self.code} {self.title}"


class DomainElementLink(Orderable):
    """A crosswalk cell: a domain serves a MIGOF element, as its primary or secondary link."""

    domain = ParentalKey(IndicatorDomain, on_delete=models.CASCADE, related_name="element_links")
    element = models.ForeignKey(
        "framework_content.FrameworkElementPage",
        on_delete=models.CASCADE,
        related_name="domain_links",
    )
    role = models.CharField(
        _("role"), max_length=10, choices=MappingRole.choices, default=MappingRole.PRIMARY
    )
    note = models.CharField(_("note"), max_length=255, blank=True)

    panels = [FieldPanel("element"), FieldPanel("role"), FieldPanel("note")]

    class Meta(Orderable.Meta):
        constraints = [
            models.UniqueConstraint(fields=["domain", "element"], name="unique_domain_element")
        ]

    def __str__(self) -> str:
        return f"{self.domain} → {self.element} ({self.role})"


class Indicator(StatusMixin, index.Indexed, models.Model):
    ref_id = models.CharField(_("reference id"), max_length=40, unique=True, help_text=REF_ID_HELP)
    domain = models.ForeignKey(IndicatorDomain, on_delete=models.PROTECT, related_name="indicators")
    slug = models.SlugField(
        _("slug"),
        max_length=60,
        unique=True,
        help_text=_("The indicator's address on the site, e.g. eiu16-1-1."),
    )
    code = models.CharField(
        _("code"),
        max_length=20,
        blank=True,
        help_text=_("The framework's own numbering; leave blank where it has none."),
    )
    title = models.CharField(_("title"), max_length=255)
    description = models.TextField(_("description"), blank=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    panels = [
        FieldPanel("domain"),
        FieldPanel("code"),
        FieldPanel("title"),
        FieldPanel("description"),
        FieldPanel("sort_order"),
        FieldPanel("ref_id"),
        FieldPanel("slug"),
        MultiFieldPanel([FieldPanel("status"), FieldPanel("status_note")], heading=_("Status")),
    ]
    search_fields = [
        index.SearchField("title", boost=2),
        index.AutocompleteField("title"),
        index.SearchField("code", boost=3),
        index.AutocompleteField("code"),
        index.SearchField("description"),
        index.FilterField("domain"),
        index.FilterField("status"),
    ]

    class Meta:
        ordering = ["domain__framework__sort_order", "domain__sort_order", "sort_order"]
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")

    def __str__(self) -> str:
        return f"{self.code} {self.title}".strip()

    @property
    def label(self) -> str:
        return str(self)


class KeyDocument(StatusMixin, index.Indexed, models.Model):
    ref_id = models.CharField(_("reference id"), max_length=40, unique=True, help_text=REF_ID_HELP)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    symbol = models.CharField(_("document symbol"), max_length=60, blank=True)
    title = models.CharField(_("title"), max_length=400)
    doc_type = models.CharField(
        _("type"), max_length=20, choices=DocumentType.choices, default=DocumentType.OTHER
    )
    date_text = models.CharField(
        _("date"),
        max_length=120,
        blank=True,
        help_text=_("As precise as the sources allow, e.g. '21 April 2016' or 'November 2015'."),
    )
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)
    issuing_body = models.CharField(_("issuing body"), max_length=255, blank=True)
    description = models.TextField(_("description"), help_text=_("In the platform's own words."))
    key_passage = models.TextField(
        _("key passage"), blank=True, help_text=_("A paragraph worth knowing, described.")
    )
    url = models.URLField(_("link"), blank=True)
    file = models.ForeignKey(
        get_document_model_string(),
        verbose_name=_("file"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    panels = [
        FieldPanel("title"),
        FieldPanel("symbol"),
        FieldPanel("slug"),
        FieldPanel("doc_type"),
        FieldPanel("date_text"),
        FieldPanel("year"),
        FieldPanel("issuing_body"),
        FieldPanel("description"),
        FieldPanel("key_passage"),
        FieldPanel("url"),
        FieldPanel("file"),
        FieldPanel("sort_order"),
        FieldPanel("ref_id"),
        MultiFieldPanel([FieldPanel("status"), FieldPanel("status_note")], heading=_("Status")),
    ]
    search_fields = [
        index.SearchField("title", boost=3),
        index.AutocompleteField("title"),
        index.SearchField("symbol", boost=3),
        index.AutocompleteField("symbol"),
        index.SearchField("description"),
        index.SearchField("key_passage"),
        index.FilterField("doc_type"),
        index.FilterField("year"),
    ]

    class Meta:
        ordering = ["sort_order", "year", "title"]
        verbose_name = _("key document")
        verbose_name_plural = _("key documents")

    def __str__(self) -> str:
        return f"{self.symbol} — {self.title}" if self.symbol else self.title

    @property
    def citation(self) -> str:
        parts = [self.issuing_body, self.title, self.symbol, self.date_text]
        return ", ".join(p for p in parts if p)
