"""Learner data: attempts and the questions each one showed, with their snapshots.

Plain models, never pages or revisions. An attempt keeps each question as it was shown
(`AttemptQuestion.snapshot`), so editing or deleting a question later never changes a
recorded score; `question` is kept only to group statistics and is nulled if the question
is deleted.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..choices import AttemptState, FinishReason


class Attempt(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="quiz_attempts"
    )
    quiz = models.ForeignKey("quizzes.QuizPage", on_delete=models.CASCADE, related_name="attempts")
    number = models.PositiveSmallIntegerField(_("attempt number"))
    state = models.CharField(
        _("state"), max_length=20, choices=AttemptState.choices, default=AttemptState.IN_PROGRESS
    )
    started_at = models.DateTimeField(_("started at"))
    # When the time runs out: the time limit and the quiz's closing date, as they were
    # when the attempt started. Null when neither applies.
    deadline = models.DateTimeField(_("deadline"), null=True, blank=True)
    last_saved_at = models.DateTimeField(_("last saved at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    finish_reason = models.CharField(
        _("finished by"), max_length=20, choices=FinishReason.choices, blank=True
    )
    score = models.DecimalField(_("score"), max_digits=9, decimal_places=4, null=True)
    max_score = models.DecimalField(_("out of"), max_digits=9, decimal_places=4, null=True)
    percent = models.DecimalField(_("percent"), max_digits=4, decimal_places=1, null=True)
    pass_mark = models.PositiveSmallIntegerField(_("pass mark"))  # as it was at the start
    passed = models.BooleanField(_("passed"), null=True)
    # When the learner's results were released by the quiz's review policy (at submission,
    # or when the quiz closed): from then on a pass completes the course item and the
    # answers count in the learner's own mastery. Null while they are withheld.
    released_at = models.DateTimeField(_("results released at"), null=True, blank=True)

    class Meta:
        ordering = ["quiz_id", "user_id", "number"]
        verbose_name = _("quiz attempt")
        verbose_name_plural = _("quiz attempts")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "quiz", "number"], name="quizzes_attempt_unique_number"
            ),
            models.UniqueConstraint(
                fields=["user", "quiz"],
                condition=Q(state=AttemptState.IN_PROGRESS),
                name="quizzes_attempt_one_open",
            ),
        ]
        indexes = [
            models.Index(fields=["state", "deadline"], name="quizzes_attempt_due"),
            # The finished attempts whose results are still withheld (few, released by the
            # minute job when their quiz closes).
            models.Index(
                fields=["quiz"],
                condition=Q(released_at=None, state=AttemptState.FINISHED),
                name="quizzes_attempt_withheld",
            ),
        ]
        permissions = [("view_quiz_statistics", "Can view quiz statistics and results")]

    def __str__(self) -> str:
        return f"{self.quiz_id} · {self.user_id} · {self.number}"

    @property
    def is_open(self) -> bool:
        return self.state == AttemptState.IN_PROGRESS


class AttemptQuestion(models.Model):
    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveSmallIntegerField()
    question = models.ForeignKey(
        "quizzes.Question", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    # `questions.question_to_dict` of the question as shown, plus "display" (the order
    # choices, matching answers and items to order were shown in), "indicator_ids" and
    # "case_study" (the scenario, if any).
    snapshot = models.JSONField()
    answer = models.JSONField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    score = models.DecimalField(max_digits=9, decimal_places=4, null=True)
    max_score = models.DecimalField(max_digits=9, decimal_places=4, null=True)
    correct = models.BooleanField(null=True)
    feedback = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["attempt_id", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["attempt", "position"], name="quizzes_attemptquestion_unique_position"
            )
        ]

    def __str__(self) -> str:
        return f"{self.attempt_id} · {self.position}"
