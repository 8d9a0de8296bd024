"""What a quiz is made of: fixed questions and random draws, in order."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.blocks.struct_block import StructBlockValidationError
from wagtail.snippets.blocks import SnippetChooserBlock

from .choices import Difficulty

MAX_DRAW = 50


class RandomDrawBlock(blocks.StructBlock):
    count = blocks.IntegerBlock(
        label=_("Number of questions"), min_value=1, max_value=MAX_DRAW, default=3
    )
    indicator = SnippetChooserBlock(
        "framework_content.Indicator", required=False, label=_("From the indicator")
    )
    domain = SnippetChooserBlock(
        "framework_content.IndicatorDomain", required=False, label=_("From the domain")
    )
    difficulty = blocks.ChoiceBlock(
        choices=Difficulty.choices, required=False, label=_("Difficulty")
    )

    class Meta:
        icon = "resubmit"
        label = _("Random questions")
        help_text = _(
            "Each learner gets different questions drawn from the bank: in the quiz's "
            "language, matching every filter set here, never one already in the quiz."
        )

    def clean(self, value):
        value = super().clean(value)
        if not (value.get("indicator") or value.get("domain") or value.get("difficulty")):
            raise StructBlockValidationError(
                block_errors={
                    "indicator": ValidationError(
                        _("Choose at least an indicator, a domain or a difficulty.")
                    )
                }
            )
        return value


class QuizContentBlock(blocks.StreamBlock):
    question = SnippetChooserBlock("quizzes.Question", label=_("Question"), icon="help")
    random = RandomDrawBlock()

    class Meta:
        min_num = 1
