"""The question bank: `Question` snippets with their choices, matching pairs and accepted
answers as inline children.

Questions are deliberately not search-indexed (no `index.Indexed`): their texts carry the
answers, which must never leak through site or admin search.
"""

from __future__ import annotations

import re
from decimal import Decimal

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Orderable, RevisionMixin

from ..choices import Difficulty, PartialCreditChoices, QuestionKindChoices
from ..forms import QuestionForm
from ..questions import Choice, MatchPair, PartialCredit, QuestionData, QuestionKind
from ..validation import CHOICE_KINDS, question_problems

STEM_FEATURES = ["bold", "italic", "ol", "ul", "link"]
_KEY_NUMBER = re.compile(r"^[cm](\d+)$")
_TRUE_TEXTS = {"true", "vrai", "verdadero"}
_FALSE_TEXTS = {"false", "faux", "falso"}


class Question(RevisionMixin, ClusterableModel):
    title = models.CharField(_("title"), max_length=255)
    kind = models.CharField(_("kind"), max_length=32, choices=QuestionKindChoices.choices)
    stem = RichTextField(_("question text"), features=STEM_FEATURES)
    explanation = models.TextField(
        _("explanation"), blank=True, help_text=_("Shown after the answer, to every learner.")
    )
    difficulty = models.CharField(
        _("difficulty"), max_length=10, choices=Difficulty.choices, default=Difficulty.MEDIUM
    )
    partial_credit = models.CharField(
        _("scoring"),
        max_length=32,
        choices=PartialCreditChoices.choices,
        default=PartialCreditChoices.ALL_OR_NOTHING,
        help_text=_("Multiple-response questions only."),
    )
    case_sensitive = models.BooleanField(
        _("case-sensitive"), default=False, help_text=_("Short-answer questions only.")
    )
    points = models.DecimalField(
        _("points"),
        max_digits=6,
        decimal_places=2,
        default=Decimal(1),
        validators=[MinValueValidator(Decimal(0))],
    )
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    indicators = ParentalManyToManyField(
        "framework_content.Indicator",
        related_name="questions",
        verbose_name=_("indicators"),
        help_text=_("At least one: what this question assesses."),
    )
    migof_elements = ParentalManyToManyField(
        "framework_content.FrameworkElementPage",
        related_name="questions",
        blank=True,
        verbose_name=_("MIGOF elements"),
    )
    case_study = models.ForeignKey(
        "case_studies.CaseStudyPage",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="questions",
        verbose_name=_("case study"),
        help_text=_("A scenario question: the quiz shows this case study before it."),
    )
    # The highest number used in a choice or pair key: keys are never reused.
    last_key_number = models.PositiveIntegerField(default=0, editable=False)
    _revisions = GenericRelation("wagtailcore.Revision", related_query_name="question")

    base_form_class = QuestionForm
    panels = [
        FieldPanel("title"),
        FieldPanel("kind"),
        FieldPanel("stem"),
        InlinePanel("choices", label=_("Choice")),
        InlinePanel("pairs", label=_("Matching pair")),
        InlinePanel("accepted_answers", label=_("Accepted answer")),
        FieldPanel("explanation"),
        MultiFieldPanel(
            [FieldPanel("points"), FieldPanel("partial_credit"), FieldPanel("case_sensitive")],
            heading=_("Scoring"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("indicators"),
                FieldPanel("migof_elements"),
                FieldPanel("case_study"),
                FieldPanel("difficulty"),
                FieldPanel("language"),
            ],
            heading=_("Filing"),
        ),
    ]

    class Meta:
        ordering = ["title"]
        verbose_name = _("question")
        verbose_name_plural = _("questions")

    def __str__(self) -> str:
        return self.title

    @property
    def revisions(self):
        return self._revisions

    def complete_children(self) -> None:
        """Give new choices and pairs their stable keys (c1, c2, ... / m1, m2, ...; never
        reused) and complete a true/false question with its missing True or False choice."""
        choices = list(self.choices.all())
        if self.kind == QuestionKind.TRUE_FALSE:
            for choice in choices:
                text = choice.text.strip().lower()
                if not choice.key and text in _TRUE_TEXTS | _FALSE_TEXTS:
                    choice.key = "true" if text in _TRUE_TEXTS else "false"
            keyed = {choice.key: choice for choice in choices}
            if len(choices) == 1 and choices[0].key in ("true", "false"):
                given = choices[0]
                missing = "false" if given.key == "true" else "true"
                if missing not in keyed:
                    if given.sort_order is None:
                        given.sort_order = 0
                    other = QuestionChoice(
                        key=missing,
                        text=missing.capitalize(),
                        correct=not given.correct,
                        sort_order=given.sort_order + 1,  # after it
                    )
                    self.choices.add(other)
        # Children made in code (an import, the demo, a new choice added to saved ones)
        # have no sort order: put them after the others in the order given, or PostgreSQL
        # and SQLite would order them differently (NULLs last or first) and the correct
        # order of an ordering question would be lost.
        for relation in (self.choices, self.pairs, self.accepted_answers):
            children = list(relation.all())
            numbered = [c.sort_order for c in children if c.sort_order is not None]
            next_number = max(numbered, default=-1) + 1
            for child in children:
                if child.sort_order is None:
                    child.sort_order = next_number
                    next_number += 1
        used = [self.last_key_number]
        items = [*self.choices.all(), *self.pairs.all()]
        used += [int(m.group(1)) for item in items if (m := _KEY_NUMBER.match(item.key or ""))]
        number = max(used)
        for item in items:
            if not item.key:
                number += 1
                item.key = f"{item.KEY_PREFIX}{number}"
        self.last_key_number = number

    def clean(self):
        super().clean()
        self.complete_children()
        if problems := question_problems(self.to_data(with_tags=False)):
            raise ValidationError(problems)

    def to_data(self, *, with_tags: bool = True) -> QuestionData:
        """This question as plain data (an attempt's snapshot, a grader's or writer's input).

        Reads the choices, pairs, accepted answers and indicators: prefetch them in lists.
        """
        kind = QuestionKind(self.kind)
        choices = ()
        if kind in CHOICE_KINDS:
            choices = tuple(
                Choice(c.key, c.text, correct=c.correct, feedback=c.feedback)
                for c in self.choices.all()
            )
        pairs = ()
        if kind == QuestionKind.MATCHING:
            pairs = tuple(MatchPair(p.key, p.prompt, p.answer) for p in self.pairs.all())
        accepted = ()
        if kind == QuestionKind.SHORT_ANSWER:
            accepted = tuple(a.text for a in self.accepted_answers.all())
        return QuestionData(
            kind=kind,
            stem=self.stem,
            choices=choices,
            pairs=pairs,
            accepted_answers=accepted,
            case_sensitive=self.case_sensitive,
            partial_credit=PartialCredit(self.partial_credit),
            explanation=self.explanation,
            title=self.title,
            points=float(self.points if self.points is not None else 0),
            tags=tuple(i.ref_id for i in self.indicators.all()) if with_tags else (),
        )


class QuestionChoice(Orderable):
    """A choice (single, multiple response, true/false) or an item to order (listed in the
    right order). `key` is set once, when first saved: stored answers point at it."""

    KEY_PREFIX = "c"

    question = ParentalKey(Question, on_delete=models.CASCADE, related_name="choices")
    key = models.CharField(_("key"), max_length=20, blank=True, editable=False)
    text = models.CharField(_("text"), max_length=1000)
    correct = models.BooleanField(_("correct"), default=False)
    feedback = models.CharField(_("feedback"), max_length=1000, blank=True)

    panels = [FieldPanel("text"), FieldPanel("correct"), FieldPanel("feedback")]

    class Meta(Orderable.Meta):
        verbose_name = _("choice")
        default_permissions = ()  # edited through their question
        verbose_name_plural = _("choices")

    def __str__(self) -> str:
        return self.text


class QuestionMatchPair(Orderable):
    KEY_PREFIX = "m"

    question = ParentalKey(Question, on_delete=models.CASCADE, related_name="pairs")
    key = models.CharField(_("key"), max_length=20, blank=True, editable=False)
    prompt = models.CharField(_("prompt"), max_length=1000)
    answer = models.CharField(_("answer"), max_length=1000)

    panels = [FieldPanel("prompt"), FieldPanel("answer")]

    class Meta(Orderable.Meta):
        verbose_name = _("matching pair")
        default_permissions = ()  # edited through their question
        verbose_name_plural = _("matching pairs")

    def __str__(self) -> str:
        return f"{self.prompt} → {self.answer}"


class AcceptedAnswer(Orderable):
    question = ParentalKey(Question, on_delete=models.CASCADE, related_name="accepted_answers")
    text = models.CharField(
        _("text"), max_length=255, help_text=_("* stands for any text, as in Moodle.")
    )

    panels = [FieldPanel("text")]

    class Meta(Orderable.Meta):
        verbose_name = _("accepted answer")
        default_permissions = ()  # edited through their question
        verbose_name_plural = _("accepted answers")

    def __str__(self) -> str:
        return self.text
