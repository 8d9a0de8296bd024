from django.apps import AppConfig
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete
from django.utils.translation import gettext_lazy as _


class CohortsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "cohorts"
    verbose_name = _("Trainer workspace")

    def ready(self) -> None:
        from django.contrib.auth import get_user_model

        from quizzes.models import Attempt

        from . import learner_versions as versions
        from .models import Cohort, Membership
        from .signals import attempt_changed

        post_save.connect(attempt_changed, sender=Attempt, dispatch_uid="cohorts.attempt_saved")
        post_delete.connect(attempt_changed, sender=Attempt, dispatch_uid="cohorts.attempt_deleted")
        # The learner's "My cohorts" section (cohorts.dashboard) is kept under their token.
        from training_site.content_cache import register_person_tokens

        register_person_tokens(lambda user_id: [versions.cohorts_key(user_id)])
        for signal, receiver, sender, uid in [
            (post_save, versions.membership_changed, Membership, "membership_saved"),
            (post_delete, versions.membership_changed, Membership, "membership_deleted"),
            (post_save, versions.cohort_saved, Cohort, "cohort_saved"),
            (pre_delete, versions.cohort_deleted, Cohort, "cohort_deleted"),
            (m2m_changed, versions.trainers_changed, Cohort.trainers.through, "trainers"),
            (post_save, versions.user_saved, get_user_model(), "trainer_saved"),
        ]:
            signal.connect(receiver, sender=sender, dispatch_uid=f"cohorts.versions.{uid}")
