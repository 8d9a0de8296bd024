"""Courses: an ordered list of modules. A module can serve several courses."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from wagtail import blocks
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Orderable, Page
from wagtail.search import index

from framework_content.blocks import RICH_TEXT_FEATURES

from ..choices import Level


class CourseIndexPage(Page):
    """The catalogue, filterable by MIGOF element, level and language."""

    intro = RichTextField(_("introduction"), features=RICH_TEXT_FEATURES, blank=True)

    content_panels = [*Page.content_panels, "intro"]
    parent_page_types = ["training_site.HomePage"]
    subpage_types = ["courses.CoursePage"]
    max_count_per_parent = 1

    class Meta:
        verbose_name = _("course catalogue")
        verbose_name_plural = _("course catalogues")

    def get_context(self, request, *args, **kwargs):
        from .. import selectors

        context = super().get_context(request, *args, **kwargs)
        context["catalogue"] = selectors.catalogue(self, request.GET, user=request.user)
        return context


class CoursePage(Page):
    summary = models.TextField(_("summary"))
    audience = models.TextField(_("who it is for"), blank=True)
    level = models.CharField(
        _("level"), max_length=20, choices=Level.choices, default=Level.INTRODUCTORY
    )
    course_language = models.CharField(
        _("language of instruction"),
        max_length=8,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
    )
    estimated_hours = models.DecimalField(
        _("estimated hours"), max_digits=5, decimal_places=1, default=1
    )
    learning_outcomes = StreamField(
        [("outcome", blocks.CharBlock(label=_("Learning outcome"), max_length=300))],
        blank=True,
        verbose_name=_("learning outcomes"),
    )
    prerequisites = ParentalManyToManyField(
        "self",
        symmetrical=False,
        blank=True,
        related_name="required_for",
        verbose_name=_("prerequisites"),
        help_text=_("Courses a learner must complete before joining this one."),
    )
    issues_certificate = models.BooleanField(_("issues a certificate"), default=True)

    content_panels = [
        *Page.content_panels,
        "summary",
        "audience",
        MultiFieldPanel(
            [
                FieldPanel("level"),
                FieldPanel("course_language"),
                FieldPanel("estimated_hours"),
                FieldPanel("issues_certificate"),
            ],
            heading=_("About the course"),
        ),
        "learning_outcomes",
        FieldPanel("prerequisites"),
        InlinePanel("course_modules", label=_("Modules"), min_num=1),
    ]
    search_fields = [
        *Page.search_fields,
        index.SearchField("summary"),
        index.SearchField("audience"),
        index.FilterField("level"),
        index.FilterField("course_language"),
    ]
    parent_page_types = ["courses.CourseIndexPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("course")
        verbose_name_plural = _("courses")

    def get_context(self, request, *args, **kwargs):
        from .. import selectors

        context = super().get_context(request, *args, **kwargs)
        context["course_view"] = selectors.course_view(
            self, request.user, preview=getattr(request, "is_preview", False)
        )
        return context


class CourseModule(Orderable):
    course = ParentalKey(CoursePage, on_delete=models.CASCADE, related_name="course_modules")
    module = models.ForeignKey(
        "framework_content.ModulePage",
        on_delete=models.PROTECT,
        related_name="course_links",
        verbose_name=_("module"),
    )

    panels = [FieldPanel("module")]

    class Meta(Orderable.Meta):
        constraints = [
            models.UniqueConstraint(fields=["course", "module"], name="unique_course_module")
        ]

    def __str__(self) -> str:
        return f"{self.course} – {self.module}"
