"""Which staff links a user's pages show, remembered between requests.

Every page's header links to the trainer workspace and the admin, and shows Wagtail's user
bar, for people allowed there; asking costs two permission queries per page for every
signed-in learner. The answers are kept in the cache per user and forgotten when they could
change: the user saved (active, superuser), their groups or permissions changed (a new
token for them), or any group's permissions or any permission changed (a new token for
everyone). The answers' keys carry both tokens, so a process's own copy
(training_site.near_cache) is never stale either. The admin and the trainer
workspace still check permissions on every request: this only decides which links are
drawn.
"""

from __future__ import annotations

import logging

from training_site.content_cache import remember, tokens, tokens_changed

logger = logging.getLogger(__name__)

VERSION_KEY = "admin-access-version"
USER_KEY = "admin-access-user:{user_id}"
TIMEOUT = 60 * 60


def token_keys(user_id: int) -> list[str]:
    """Everyone's token (any group's or permission's change) and this user's (their own)."""
    return [VERSION_KEY, USER_KEY.format(user_id=user_id)]


def _key(user_id: int) -> str | None:
    user_key = USER_KEY.format(user_id=user_id)
    found = tokens(token_keys(user_id))
    if found is None:
        return None
    return f"admin-access:{found[VERSION_KEY]}:{user_id}:{found[user_key]}"


def _links(user) -> dict[str, bool]:
    return {
        "admin": user.has_perm("wagtailadmin.access_admin"),
        "trainer_workspace": user.has_perm("cohorts.add_cohort")
        or user.has_perm("cohorts.view_all_cohorts"),
    }


NO_LINKS = {"admin": False, "trainer_workspace": False}


def staff_links(user) -> dict[str, bool]:
    """{"admin": may use the Wagtail admin, "trainer_workspace": may use /trainer/}."""
    if not getattr(user, "is_authenticated", False):
        return NO_LINKS
    # Asked twice per page (the header and the user bar): the request's user answers the
    # second time. A role change reaches the next request (a new user object).
    links = getattr(user, "_staff_links", None)
    if links is None:
        key = _key(user.pk)
        if key is None:  # the cache does not answer: ask the database
            links = _links(user)
        else:
            links = remember(key, lambda: _links(user), TIMEOUT)
        user._staff_links = links
    return links


def can_access_admin(user) -> bool:
    return staff_links(user)["admin"]


def forget_everyone(**kwargs) -> None:
    # Now, and again after commit: a request between the two must not keep the old answer.
    tokens_changed([VERSION_KEY])


def _forget(user_ids) -> None:
    tokens_changed(USER_KEY.format(user_id=user_id) for user_id in user_ids)  # now and on commit


def forget_user(sender, instance=None, **kwargs) -> None:
    """post_save of a user, or m2m_changed of user.groups (from either side)."""
    if kwargs.get("reverse"):  # group.user_set changed: pk_set holds user ids
        if kwargs.get("action") in ("pre_clear", "post_clear"):
            forget_everyone()  # which users: not said
        else:
            _forget(kwargs.get("pk_set") or ())
    elif instance is not None and instance.pk is not None:
        instance.__dict__.pop("_staff_links", None)  # this object's answer, if it has one
        _forget([instance.pk])


def connect() -> None:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group, Permission
    from django.db.models.signals import m2m_changed, post_delete, post_save

    user_model = get_user_model()
    post_save.connect(forget_user, sender=user_model, dispatch_uid="admin-access-user")
    m2m_changed.connect(
        forget_user, sender=user_model.groups.through, dispatch_uid="admin-access-groups"
    )
    m2m_changed.connect(
        forget_user,
        sender=user_model.user_permissions.through,
        dispatch_uid="admin-access-user-perms",
    )
    m2m_changed.connect(
        forget_everyone, sender=Group.permissions.through, dispatch_uid="admin-access-group-perms"
    )
    for model in (Group, Permission):
        for signal in (post_save, post_delete):
            signal.connect(
                forget_everyone,
                sender=model,
                dispatch_uid=f"admin-access-{model.__name__}-{id(signal)}",
            )
