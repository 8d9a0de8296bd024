"""QuizPage: a quiz inside a module, taken in attempts.

The page is thin, like Wagtail's `FormMixin.serve`: each route parses the request and
hands over to a view function in `quizzes.views`, which calls one service or selector.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, FieldRowPanel, HelpPanel, MultiFieldPanel
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page
from wagtail.search import index

from framework_content.blocks import RICH_TEXT_FEATURES

from ..blocks import QuizContentBlock
from ..choices import ReviewTiming


class QuizPage(RoutablePageMixin, Page):
    intro = RichTextField(_("introduction"), features=RICH_TEXT_FEATURES, blank=True)
    content = StreamField(
        QuizContentBlock(),
        verbose_name=_("questions"),
        help_text=_("Fixed questions and random draws from the question bank, in order."),
    )
    shuffle_questions = models.BooleanField(
        _("shuffle the questions"),
        default=True,
        help_text=_("Questions about the same case study stay together."),
    )
    shuffle_choices = models.BooleanField(_("shuffle the choices"), default=True)
    pass_mark = models.PositiveSmallIntegerField(
        _("pass mark (%)"),
        default=70,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    attempts_allowed = models.PositiveSmallIntegerField(
        _("attempts allowed"), default=0, help_text=_("0 means unlimited.")
    )
    time_limit_minutes = models.PositiveSmallIntegerField(
        _("time limit (minutes)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(24 * 60)],
        help_text=_("Leave empty for no time limit."),
    )
    opens_at = models.DateTimeField(_("opens"), null=True, blank=True)
    closes_at = models.DateTimeField(
        _("closes"),
        null=True,
        blank=True,
        help_text=_("Open attempts are closed, with what was saved, at this time."),
    )
    review_timing = models.CharField(
        _("learners see their review"),
        max_length=20,
        choices=ReviewTiming.choices,
        default=ReviewTiming.IMMEDIATELY,
    )
    review_score = models.BooleanField(_("the score"), default=True)
    review_correctness = models.BooleanField(_("whether each answer was right"), default=True)
    review_correct_answers = models.BooleanField(_("the correct answers"), default=True)
    review_feedback = models.BooleanField(_("the feedback and explanations"), default=True)

    content_panels = [
        *Page.content_panels,
        "intro",
        "content",
    ]
    settings_panels = [
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("pass_mark"), FieldPanel("attempts_allowed")]),
                FieldPanel("time_limit_minutes"),
                FieldRowPanel([FieldPanel("opens_at"), FieldPanel("closes_at")]),
                FieldRowPanel([FieldPanel("shuffle_questions"), FieldPanel("shuffle_choices")]),
            ],
            heading=_("Taking the quiz"),
        ),
        MultiFieldPanel(
            [
                HelpPanel(_("What a learner sees after submitting an attempt.")),
                FieldPanel("review_timing"),
                FieldPanel("review_score"),
                FieldPanel("review_correctness"),
                FieldPanel("review_correct_answers"),
                FieldPanel("review_feedback"),
            ],
            heading=_("Review"),
        ),
        *Page.settings_panels,
    ]
    search_fields = [*Page.search_fields, index.SearchField("intro")]
    parent_page_types = ["framework_content.ModulePage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("quiz")
        verbose_name_plural = _("quizzes")

    def clean(self):
        super().clean()
        errors = {}
        if self.opens_at and self.closes_at and self.closes_at <= self.opens_at:
            errors["closes_at"] = _("The quiz must close after it opens.")
        if self.review_timing == ReviewTiming.AFTER_CLOSE and not self.closes_at:
            errors["review_timing"] = _(
                "Set a closing time, or let learners see their review immediately."
            )
        if not errors:
            from ..selectors import draw_shortfalls

            shortfalls = draw_shortfalls(self)
            if shortfalls:
                errors["content"] = " ".join(shortfalls)
        if errors:
            raise ValidationError(errors)

    # --- serving: each route hands over to quizzes.views -----------------------------

    @path("")
    def overview(self, request):
        from .. import views

        return views.quiz_overview(self, request)

    @path("start/")
    def start(self, request):
        from .. import views

        return views.start(self, request)

    @path("attempts/<int:attempt_id>/")
    def attempt(self, request, attempt_id):
        from .. import views

        return views.attempt(self, request, attempt_id)

    @path("attempts/<int:attempt_id>/save/", name="autosave")
    def autosave(self, request, attempt_id):
        from .. import views

        return views.autosave(self, request, attempt_id)

    @path("attempts/<int:attempt_id>/submit/")
    def submit(self, request, attempt_id):
        from .. import views

        return views.submit(self, request, attempt_id)
