from django.apps import AppConfig


class QuizzesConfig(AppConfig):
    name = "quizzes"
    verbose_name = "Quizzes"

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from courses.registry import register_item_model
        from training_site.content_cache import register_person_tokens

        from .answer_versions import ATTEMPTS_KEY, attempts_changed
        from .answer_versions import KEY as ANSWERS_KEY
        from .models import Attempt

        # The dashboard's mastery keys on the learner's answers token, the quiz page's list
        # of attempts on their attempts token.
        register_person_tokens(
            lambda user_id: [
                ANSWERS_KEY.format(user_id=user_id),
                ATTEMPTS_KEY.format(user_id=user_id),
            ]
        )
        post_save.connect(attempts_changed, sender=Attempt, dispatch_uid="quizzes.attempt_saved")
        post_delete.connect(
            attempts_changed, sender=Attempt, dispatch_uid="quizzes.attempt_deleted"
        )

        # A quiz is a course item: passing it completes it (courses.services).
        register_item_model("quizzes.quizpage", completed_by_learner=False)
