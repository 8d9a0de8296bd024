from django.apps import AppConfig


class QuizzesConfig(AppConfig):
    name = "quizzes"
    verbose_name = "Quizzes"

    def ready(self):
        from courses.registry import register_item_model

        # A quiz is a course item: passing it completes it (courses.services).
        register_item_model("quizzes.quizpage", completed_by_learner=False)
