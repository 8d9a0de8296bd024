"""Case studies: a policy situation, the response and its lessons, tagged with MIGOF
elements and indicators. Quizzes draw scenario questions from them (``summary``)."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField
from modelcluster.fields import ParentalManyToManyField
from wagtail.admin.forms import WagtailAdminPageForm
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page
from wagtail.search import index

from framework_content.blocks import RICH_TEXT_FEATURES
from training_site.content_cache import cached_for_page

from .choices import Region

EARLIEST_YEAR = 1945


def validate_case_year(value: int | None) -> None:
    """A case study's year lies between 1945 and next year (a policy announced ahead)."""
    if value is None:
        return
    latest = timezone.now().year + 1
    if not EARLIEST_YEAR <= value <= latest:
        raise ValidationError(
            _("Enter a year between %(earliest)s and %(latest)s."),
            code="year_out_of_range",
            params={"earliest": EARLIEST_YEAR, "latest": latest},
        )


class CountryFilterField(index.FilterField):
    """A filter on a CountryField, indexed as its ISO code (Elasticsearch stores JSON, and a
    django-countries ``Country`` object is not JSON)."""

    def get_value(self, obj):
        value = super().get_value(obj)
        return getattr(value, "code", value) or ""


class CaseStudyIndexPage(Page):
    """The case studies, filterable by country, region, MIGOF element and indicator."""

    intro = RichTextField(_("introduction"), features=RICH_TEXT_FEATURES, blank=True)

    content_panels = [*Page.content_panels, "intro"]
    parent_page_types = ["training_site.HomePage"]
    subpage_types = ["case_studies.CaseStudyPage"]
    max_count_per_parent = 1

    class Meta:
        verbose_name = _("case study index")
        verbose_name_plural = _("case study indexes")

    def get_context(self, request, *args, **kwargs):
        from . import selectors

        context = super().get_context(request, *args, **kwargs)
        context["listing"] = selectors.case_study_listing(self, request.GET)
        return context


class CaseStudyPageForm(WagtailAdminPageForm):
    def clean(self):
        cleaned_data = super().clean()
        if "migof_elements" in self.fields and not cleaned_data.get("migof_elements"):
            self.add_error(
                "migof_elements", _("Tag the case study with at least one MIGOF element.")
            )
        return cleaned_data


class CaseStudyPage(Page):
    country = CountryField(
        _("country"),
        blank=True,
        help_text=_("Leave blank for a regional or illustrative case."),
    )
    region = models.CharField(_("region"), max_length=20, choices=Region.choices)
    year = models.PositiveSmallIntegerField(
        _("year"),
        null=True,
        blank=True,
        validators=[MinValueValidator(EARLIEST_YEAR), validate_case_year],
        help_text=_("The year of the policy response, if known."),
    )
    illustrative = models.BooleanField(
        _("illustrative scenario"),
        default=False,
        help_text=_(
            "Illustrative scenario: not a real country's policy. "
            "Shown as a label wherever the case appears."
        ),
    )
    summary = models.TextField(
        _("summary"),
        help_text=_(
            "The short scenario a quiz shows before its questions: three to five sentences."
        ),
    )
    context = RichTextField(_("context"), features=RICH_TEXT_FEATURES)
    policy_response = RichTextField(_("policy response"), features=RICH_TEXT_FEATURES)
    results = RichTextField(_("results"), features=RICH_TEXT_FEATURES, blank=True)
    lessons_learned = RichTextField(_("lessons learned"), features=RICH_TEXT_FEATURES, blank=True)
    sources = ParentalManyToManyField(
        "framework_content.KeyDocument",
        blank=True,
        related_name="case_studies",
        verbose_name=_("key documents"),
    )
    other_sources = RichTextField(
        _("other sources"),
        features=["bold", "italic", "ul", "link"],
        blank=True,
        help_text=_("Citations that are not in the library, one per list item."),
    )
    migof_elements = ParentalManyToManyField(
        "framework_content.FrameworkElementPage",
        related_name="case_studies",
        verbose_name=_("MIGOF elements"),
    )
    indicators = ParentalManyToManyField(
        "framework_content.Indicator",
        blank=True,
        related_name="case_studies",
        verbose_name=_("indicators"),
    )

    base_form_class = CaseStudyPageForm
    content_panels = [
        *Page.content_panels,
        FieldPanel("illustrative"),
        MultiFieldPanel(
            [FieldPanel("country"), FieldPanel("region"), FieldPanel("year")],
            heading=_("Where and when"),
        ),
        "summary",
        "context",
        "policy_response",
        "results",
        "lessons_learned",
        MultiFieldPanel(
            [
                FieldPanel("migof_elements", widget=forms.CheckboxSelectMultiple),
                FieldPanel("indicators"),
            ],
            heading=_("Tagged with"),
        ),
        MultiFieldPanel([FieldPanel("sources"), FieldPanel("other_sources")], heading=_("Sources")),
    ]
    search_fields = [
        *Page.search_fields,
        index.SearchField("summary", boost=2),
        index.SearchField("context"),
        index.SearchField("policy_response"),
        index.SearchField("results"),
        index.SearchField("lessons_learned"),
        CountryFilterField("country"),
        index.FilterField("region"),
        index.FilterField("illustrative"),
        index.RelatedFields("indicators", [index.SearchField("title"), index.SearchField("code")]),
    ]
    parent_page_types = ["case_studies.CaseStudyIndexPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("case study")
        verbose_name_plural = _("case studies")

    def get_context(self, request, *args, **kwargs):
        from . import selectors

        context = super().get_context(request, *args, **kwargs)
        # The same for everyone: cached until the content changes (fresh in a preview).
        context["case"] = cached_for_page(
            request, self, "case-study", lambda: selectors.case_study_detail(self)
        )
        return context
