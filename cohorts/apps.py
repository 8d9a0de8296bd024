from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _


class CohortsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "cohorts"
    verbose_name = _("Trainer workspace")

    def ready(self) -> None:
        from quizzes.models import Attempt

        from .signals import attempt_changed

        post_save.connect(attempt_changed, sender=Attempt, dispatch_uid="cohorts.attempt_saved")
        post_delete.connect(attempt_changed, sender=Attempt, dispatch_uid="cohorts.attempt_deleted")
