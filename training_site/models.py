from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.fields import RichTextField
from wagtail.models import Page

from framework_content.blocks import RICH_TEXT_FEATURES


class HomePage(Page):
    """The front door for the three audiences: learn, teach, find guidance."""

    lead = models.CharField(_("lead"), max_length=300, blank=True)
    intro = RichTextField(_("introduction"), features=RICH_TEXT_FEATURES, blank=True)
    learn_text = models.TextField(_("for trainees"), blank=True)
    teach_text = models.TextField(_("for trainers"), blank=True)
    guidance_text = models.TextField(_("for member-state staff"), blank=True)

    content_panels = [
        *Page.content_panels,
        "lead",
        "intro",
        "learn_text",
        "teach_text",
        "guidance_text",
    ]
    parent_page_types = ["wagtailcore.Page"]
    subpage_types = [
        "framework_content.FrameworkPage",
        "framework_content.IndicatorIndexPage",
        "framework_content.LibraryPage",
        "courses.CourseIndexPage",
        "case_studies.CaseStudyIndexPage",
    ]
    max_count_per_parent = 1

    class Meta:
        verbose_name = _("home page")
        verbose_name_plural = _("home pages")

    def get_context(self, request, *args, **kwargs):
        from framework_content import selectors

        context = super().get_context(request, *args, **kwargs)
        context["elements"] = selectors.all_elements()
        return context
