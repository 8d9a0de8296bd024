"""The MIGOF page tree: overview, elements, modules and lessons; indicators; library."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalManyToManyField
from wagtail import blocks, hooks
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page
from wagtail.search import index

from training_site.content_cache import cached, cached_for_page

from .. import selectors
from ..blocks import RICH_TEXT_FEATURES, BodyStreamBlock, LessonStreamBlock
from ..choices import ElementKind, FactStatus


class FrameworkPage(Page):
    """The MIGOF overview: what it is, where it comes from, its six elements."""

    subtitle = models.CharField(_("subtitle"), max_length=400, blank=True)
    intro = RichTextField(_("introduction"), features=RICH_TEXT_FEATURES, blank=True)
    body = StreamField(BodyStreamBlock(), blank=True, verbose_name=_("body"))

    content_panels = [*Page.content_panels, "subtitle", "intro", "body"]
    search_fields = [
        *Page.search_fields,
        index.SearchField("subtitle"),
        index.SearchField("intro"),
        index.SearchField("body"),
    ]
    parent_page_types = ["training_site.HomePage"]
    subpage_types = ["framework_content.FrameworkElementPage"]
    max_count_per_parent = 1

    class Meta:
        verbose_name = _("MIGOF overview page")
        verbose_name_plural = _("MIGOF overview pages")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["elements"] = selectors.framework_elements(self)
        return context


class FrameworkElementPage(Page):
    """One of the three principles (P1–P3) or three objectives (O1–O3)."""

    kind = models.CharField(_("kind"), max_length=10, choices=ElementKind.choices)
    code = models.CharField(
        _("code"), max_length=4, help_text=_("P1–P3 or O1–O3. Never change it.")
    )
    council_wording = models.TextField(
        _("Council wording"), blank=True, help_text=_("The wording of the Council document.")
    )
    summary = models.TextField(_("summary"), help_text=_("One or two sentences."))
    body = StreamField(BodyStreamBlock(), blank=True, verbose_name=_("body"))
    status = models.CharField(
        _("status"), max_length=24, choices=FactStatus.choices, default=FactStatus.CONFIRMED
    )

    content_panels = [
        *Page.content_panels,
        MultiFieldPanel([FieldPanel("kind"), FieldPanel("code")], heading=_("Element")),
        "council_wording",
        "summary",
        "body",
        "status",
    ]
    search_fields = [
        *Page.search_fields,
        index.SearchField("code", boost=3),
        index.SearchField("council_wording"),
        index.SearchField("summary"),
        index.SearchField("body"),
        index.FilterField("kind"),
    ]
    parent_page_types = ["framework_content.FrameworkPage"]
    subpage_types = ["framework_content.ModulePage"]

    class Meta:
        verbose_name = _("MIGOF element page")
        verbose_name_plural = _("MIGOF element pages")

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    def clean(self):
        super().clean()
        # One element per code in each language (translations share the code).
        clash = (
            FrameworkElementPage.objects.filter(code=self.code, locale_id=self.locale_id)
            .exclude(pk=self.pk)
            .exists()
        )
        if clash:
            raise ValidationError({"code": _("Another element already has this code.")})

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        # What the element page lists is the same for everyone: cached until content changes.
        context["modules"] = cached_for_page(
            request, self, "element-modules", lambda: selectors.element_modules(self)
        )
        context["mapped_domains"] = cached_for_page(
            request, self, "element-domains", lambda: selectors.element_domains(self)
        )
        context["tagged_sections"] = cached_for_page(
            request,
            self,
            "element-tagged",
            lambda: selectors.tagged_sections("element_tagged_content", self),
        )
        return context


class ModulePage(Page):
    summary = models.TextField(_("summary"))
    learning_outcomes = StreamField(
        [("outcome", blocks.CharBlock(label=_("Learning outcome"), max_length=300))],
        blank=True,
        verbose_name=_("learning outcomes"),
        help_text=_("What a trainee can do after the module, one per line."),
    )
    estimated_minutes = models.PositiveSmallIntegerField(_("estimated minutes"), default=30)
    indicators = ParentalManyToManyField(
        "framework_content.Indicator",
        blank=True,
        related_name="modules",
        verbose_name=_("indicators"),
    )

    content_panels = [
        *Page.content_panels,
        "summary",
        "learning_outcomes",
        "estimated_minutes",
        FieldPanel("indicators"),
    ]
    search_fields = [
        *Page.search_fields,
        index.SearchField("summary"),
        index.SearchField("learning_outcomes"),
        index.RelatedFields("indicators", [index.SearchField("title"), index.SearchField("code")]),
    ]
    parent_page_types = ["framework_content.FrameworkElementPage"]
    subpage_types = ["framework_content.LessonPage", "quizzes.QuizPage"]

    class Meta:
        verbose_name = _("module")
        verbose_name_plural = _("modules")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["items"] = selectors.module_items(self)
        context["tagged_indicators"] = selectors.indicators_of(
            self, preview=getattr(request, "is_preview", False)
        )
        return context


class LessonPage(Page):
    summary = models.TextField(_("summary"), blank=True)
    estimated_minutes = models.PositiveSmallIntegerField(_("estimated minutes"), default=10)
    body = StreamField(LessonStreamBlock(), verbose_name=_("body"))
    indicators = ParentalManyToManyField(
        "framework_content.Indicator",
        blank=True,
        related_name="lessons",
        verbose_name=_("indicators"),
    )

    content_panels = [
        *Page.content_panels,
        "summary",
        "estimated_minutes",
        "body",
        FieldPanel("indicators"),
    ]
    search_fields = [
        *Page.search_fields,
        index.SearchField("summary"),
        index.SearchField("body"),
        index.RelatedFields("indicators", [index.SearchField("title"), index.SearchField("code")]),
    ]
    parent_page_types = ["framework_content.ModulePage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("lesson")
        verbose_name_plural = _("lessons")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context.update(selectors.lesson_navigation(self))
        context["tagged_indicators"] = selectors.indicators_of(
            self, preview=getattr(request, "is_preview", False)
        )
        # Apps that track learning (courses) add their panel through this hook.
        for hook in hooks.get_hooks("course_item_context"):
            context.update(hook(self, request))
        return context


class IndicatorIndexPage(RoutablePageMixin, Page):
    """The indicator frameworks, their domains and indicators, and the crosswalk."""

    intro = RichTextField(_("introduction"), features=RICH_TEXT_FEATURES, blank=True)

    content_panels = [*Page.content_panels, "intro"]
    parent_page_types = ["training_site.HomePage"]
    subpage_types: list[str] = []
    max_count_per_parent = 1

    class Meta:
        verbose_name = _("indicators page")
        verbose_name_plural = _("indicators pages")

    @path("")
    def frameworks(self, request):
        return self.render(
            request,
            context_overrides={"frameworks": selectors.frameworks_overview()},
        )

    @path("crosswalk/")
    def crosswalk(self, request):
        return self.render(
            request,
            template="framework_content/crosswalk.html",
            context_overrides={"crosswalk": selectors.crosswalk()},
        )

    @path("<slug:framework_slug>/")
    def framework(self, request, framework_slug):
        framework = selectors.framework_detail(framework_slug)
        if framework is None:
            raise Http404
        return self.render(
            request,
            template="framework_content/indicator_framework.html",
            context_overrides={"framework": framework},
        )

    @path("<slug:framework_slug>/<slug:indicator_slug>/")
    def indicator(self, request, framework_slug, indicator_slug):
        detail = cached(
            "indicator-detail",
            framework_slug,
            indicator_slug,
            get_language(),
            build=lambda: selectors.indicator_detail(framework_slug, indicator_slug),
            keep_none=False,
        )
        if detail is None:
            raise Http404
        return self.render(
            request,
            template="framework_content/indicator.html",
            context_overrides={"detail": detail},
        )


class LibraryPage(RoutablePageMixin, Page):
    """Key documents: resolutions, declarations and reports, with citations."""

    intro = RichTextField(_("introduction"), features=RICH_TEXT_FEATURES, blank=True)

    content_panels = [*Page.content_panels, "intro"]
    parent_page_types = ["training_site.HomePage"]
    subpage_types: list[str] = []
    max_count_per_parent = 1

    class Meta:
        verbose_name = _("library page")
        verbose_name_plural = _("library pages")

    @path("")
    def documents(self, request):
        return self.render(request, context_overrides={"documents": selectors.key_documents()})

    @path("<slug:slug>/")
    def document(self, request, slug):
        from .snippets import KeyDocument

        document = get_object_or_404(KeyDocument.objects.select_related("file"), slug=slug)
        return self.render(
            request,
            template="framework_content/key_document.html",
            context_overrides={
                "document": document,
                "citing_lessons": selectors.lessons_citing(document),
            },
        )
