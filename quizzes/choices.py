from django.db import models
from django.utils.translation import gettext_lazy as _

from .questions import PartialCredit, QuestionKind


class QuestionKindChoices(models.TextChoices):
    """The stored kinds: the values of `questions.QuestionKind`, with labels for the admin."""

    SINGLE_CHOICE = QuestionKind.SINGLE_CHOICE.value, _("Single choice")
    MULTIPLE_RESPONSE = QuestionKind.MULTIPLE_RESPONSE.value, _("Multiple response")
    TRUE_FALSE = QuestionKind.TRUE_FALSE.value, _("True or false")
    MATCHING = QuestionKind.MATCHING.value, _("Matching")
    ORDERING = QuestionKind.ORDERING.value, _("Ordering")
    SHORT_ANSWER = QuestionKind.SHORT_ANSWER.value, _("Short answer")


class PartialCreditChoices(models.TextChoices):
    ALL_OR_NOTHING = PartialCredit.ALL_OR_NOTHING.value, _("All or nothing")
    RIGHT_MINUS_WRONG = PartialCredit.RIGHT_MINUS_WRONG.value, _("Right minus wrong")


class Difficulty(models.TextChoices):
    EASY = "easy", _("Easy")
    MEDIUM = "medium", _("Medium")
    HARD = "hard", _("Hard")
