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


class ReviewTiming(models.TextChoices):
    IMMEDIATELY = "immediately", _("Immediately after submitting")
    AFTER_CLOSE = "after_close", _("After the quiz closes")


class AttemptState(models.TextChoices):
    IN_PROGRESS = "in_progress", _("In progress")
    FINISHED = "finished", _("Finished")


class FinishReason(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted by the learner")
    TIME_UP = "time_up", _("Closed when the time ran out")
    QUIZ_CLOSED = "quiz_closed", _("Closed when the quiz closed")
