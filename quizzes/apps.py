from django.apps import AppConfig


class QuizzesConfig(AppConfig):
    name = "quizzes"
    verbose_name = "Quizzes"

    def ready(self):
        from courses.registry import register_item_model
        from training_site.content_cache import register_person_tokens

        from .answer_versions import KEY as ANSWERS_KEY

        # The dashboard's mastery and the quiz pages key on the learner's answers token.
        register_person_tokens(lambda user_id: [ANSWERS_KEY.format(user_id=user_id)])

        # A quiz is a course item: passing it completes it (courses.services).
        register_item_model("quizzes.quizpage", completed_by_learner=False)
