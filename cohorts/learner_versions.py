"""A token per learner that changes whenever what their dashboard shows of their cohorts
changes: the cohorts they belong to, each cohort's name, course and dates, its trainers and
their names.

cohorts.dashboard keeps the learner's "My cohorts" section under this token (and the
content token, for the course titles). The token is renewed by receivers (connected in
cohorts.apps) on a membership saved or deleted, a cohort saved or deleted, a cohort's
trainers changed and a trainer's name or address changed; `bulk_create` sends no signal, so
cohorts.invitations renews the invited learners' tokens itself. Renewal is at once and again
on commit (training_site.content_cache.tokens_changed).
"""

from __future__ import annotations

from collections.abc import Iterable

from training_site.content_cache import tokens_changed

KEY = "learner-cohorts:{user_id}"


def cohorts_key(user_id: int) -> str:
    return KEY.format(user_id=user_id)


def cohorts_changed_for(user_ids: Iterable[int]) -> None:
    """What these learners' dashboards show of their cohorts changed (or is about to)."""
    tokens_changed(cohorts_key(user_id) for user_id in user_ids)


def _members_of(cohort_ids: Iterable[int]) -> list[int]:
    from .models import Membership

    return list(
        Membership.objects.filter(cohort_id__in=list(cohort_ids)).values_list("user_id", flat=True)
    )


# --- receivers (cohorts.apps) ----------------------------------------------------------------


def membership_changed(sender, instance, **kwargs) -> None:
    cohorts_changed_for([instance.user_id])


def cohort_saved(sender, instance, created, **kwargs) -> None:
    if not created:  # a new cohort has no members yet
        cohorts_changed_for(_members_of([instance.pk]))


def cohort_deleted(sender, instance, **kwargs) -> None:
    # pre_delete: the memberships are still there (their own post_delete renews them too,
    # but only when Django deletes them one by one).
    cohorts_changed_for(_members_of([instance.pk]))


def trainers_changed(sender, instance, action, reverse, pk_set, **kwargs) -> None:
    if action not in {"post_add", "post_remove", "pre_clear"}:
        return
    if not reverse:  # cohort.trainers.add(...): one cohort
        cohort_ids = [instance.pk]
    elif pk_set is not None:  # user.cohorts_trained.add(...): these cohorts
        cohort_ids = list(pk_set)
    else:  # user.cohorts_trained.clear(): every cohort they train, before it goes
        cohort_ids = list(instance.cohorts_trained.values_list("pk", flat=True))
    cohorts_changed_for(_members_of(cohort_ids))


# A trainer's fields the section shows.
TRAINER_FIELDS = {"full_name", "email"}


def user_saved(sender, instance, created, update_fields=None, **kwargs) -> None:
    if created or (update_fields is not None and not TRAINER_FIELDS & set(update_fields)):
        return  # a new account trains nothing; a log-in saves last_login only
    trained = instance.cohorts_trained.values_list("pk", flat=True)
    cohorts_changed_for(_members_of(trained))
