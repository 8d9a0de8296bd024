from django.apps import AppConfig


class CoursesConfig(AppConfig):
    name = "courses"
    verbose_name = "Courses"

    def ready(self):
        from training_site.content_cache import register_person_tokens

        from .progress_versions import progress_key

        # Lessons, quizzes, courses and the dashboard key on the learner's progress token.
        register_person_tokens(lambda user_id: [progress_key(user_id)])
