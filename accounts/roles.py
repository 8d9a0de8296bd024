"""What each role may do. Applied by a data migration; kept here so it reads as one table.

- Trainees: no admin access; they learn on the site.
- Trainers: the admin, to draft modules, lessons, images and documents (no publishing),
  to write and import quiz questions, and to read quiz statistics and export results;
  the trainer workspace, to run their own cohorts.
- Editors: Wagtail moderation: draft, publish and lock pages; send pages for translation
  (wagtail-localize); manage the indicator frameworks and key documents and promoted search
  results; quiz statistics.
- Administrators: everything, including users and roles.
"""

from __future__ import annotations

from .choices import Role

ACCESS_ADMIN = ("wagtailadmin", "access_admin")

SNIPPET_MODELS = [
    ("framework_content", "indicatorframework"),
    ("framework_content", "indicatordomain"),
    ("framework_content", "indicator"),
    ("framework_content", "keydocument"),
]

# The question bank: Trainers write questions, Editors also delete them. The inline
# choices, pairs and answers are edited through their question (no permissions of their own).
QUESTION_MODEL = ("quizzes", "question")
# Quiz statistics and results (learners' names and scores) in the admin's Reports menu.
QUIZ_STATISTICS = ("quizzes", "view_quiz_statistics")
# The trainer workspace (/trainer/): Trainers create and run their own cohorts;
# Administrators (every permission, so also cohorts.view_all_cohorts) see all of them.
COHORT_PERMISSIONS = [("cohorts", f"{action}_cohort") for action in ("add", "change", "view")]

MODEL_PERMISSIONS: dict[str, list[tuple[str, str]]] = {
    Role.TRAINEES: [],
    Role.TRAINERS: [
        ACCESS_ADMIN,
        *[(app, f"view_{model}") for app, model in SNIPPET_MODELS],
        *[
            (QUESTION_MODEL[0], f"{action}_{QUESTION_MODEL[1]}")
            for action in ("add", "change", "view")
        ],
        QUIZ_STATISTICS,
        *COHORT_PERMISSIONS,
    ],
    Role.EDITORS: [
        ACCESS_ADMIN,
        *[
            (app, f"{action}_{model}")
            for app, model in [*SNIPPET_MODELS, QUESTION_MODEL]
            for action in ("add", "change", "delete", "view")
        ],
        QUIZ_STATISTICS,
        ("wagtail_localize", "submit_translation"),
        # Promoted search results (Wagtail checks these, not the Query model's permissions).
        ("wagtailsearchpromotions", "add_searchpromotion"),
        ("wagtailsearchpromotions", "change_searchpromotion"),
        ("wagtailsearchpromotions", "delete_searchpromotion"),
    ],
    Role.ADMINISTRATORS: [],  # every permission, see ALL_PERMISSIONS_ROLES
}
ALL_PERMISSIONS_ROLES = {Role.ADMINISTRATORS}

# Page permissions, granted on the tree's root so they cover every site.
PAGE_PERMISSIONS: dict[str, list[str]] = {
    Role.TRAINEES: [],
    Role.TRAINERS: ["add_page", "change_page"],
    Role.EDITORS: ["add_page", "change_page", "publish_page", "lock_page", "unlock_page"],
    Role.ADMINISTRATORS: [
        "add_page",
        "change_page",
        "publish_page",
        "bulk_delete_page",
        "lock_page",
        "unlock_page",
    ],
}

# Image and document permissions on the root collection.
COLLECTION_PERMISSIONS: dict[str, list[tuple[str, str]]] = {
    Role.TRAINEES: [],
    Role.TRAINERS: [
        ("wagtailimages", "add_image"),
        ("wagtailimages", "choose_image"),
        ("wagtaildocs", "add_document"),
        ("wagtaildocs", "choose_document"),
    ],
    Role.EDITORS: [
        ("wagtailimages", "add_image"),
        ("wagtailimages", "change_image"),
        ("wagtailimages", "choose_image"),
        ("wagtaildocs", "add_document"),
        ("wagtaildocs", "change_document"),
        ("wagtaildocs", "choose_document"),
    ],
    Role.ADMINISTRATORS: [
        ("wagtailcore", "add_collection"),
        ("wagtailcore", "change_collection"),
        ("wagtailcore", "delete_collection"),
        ("wagtailimages", "add_image"),
        ("wagtailimages", "change_image"),
        ("wagtailimages", "delete_image"),
        ("wagtailimages", "choose_image"),
        ("wagtaildocs", "add_document"),
        ("wagtaildocs", "change_document"),
        ("wagtaildocs", "delete_document"),
        ("wagtaildocs", "choose_document"),
    ],
}


def apply_roles(apps) -> None:
    """Create the four groups and (re)grant exactly the permissions above. Idempotent."""
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    Page = apps.get_model("wagtailcore", "Page")
    Collection = apps.get_model("wagtailcore", "Collection")
    GroupPagePermission = apps.get_model("wagtailcore", "GroupPagePermission")
    GroupCollectionPermission = apps.get_model("wagtailcore", "GroupCollectionPermission")

    root_page = Page.objects.filter(depth=1).first()
    root_collection = Collection.objects.filter(depth=1).first()

    def perm(app_label: str, codename: str):
        return Permission.objects.filter(
            content_type__app_label=app_label, codename=codename
        ).first()

    for role in Role:
        group, _ = Group.objects.get_or_create(name=role.value)
        if role in ALL_PERMISSIONS_ROLES:
            group.permissions.set(Permission.objects.all())
        else:
            perms = [perm(app, code) for app, code in MODEL_PERMISSIONS[role]]
            group.permissions.set([p for p in perms if p is not None])
        if root_page is not None:
            GroupPagePermission.objects.filter(group=group).delete()
            for codename in PAGE_PERMISSIONS[role]:
                p = perm("wagtailcore", codename)
                if p is not None:
                    GroupPagePermission.objects.create(group=group, page=root_page, permission=p)
        if root_collection is not None:
            GroupCollectionPermission.objects.filter(group=group).delete()
            for app, codename in COLLECTION_PERMISSIONS[role]:
                p = perm(app, codename)
                if p is not None:
                    GroupCollectionPermission.objects.create(
                        group=group, collection=root_collection, permission=p
                    )

    # Wagtail's default "Moderators" group is replaced by Editors: its approval task moves.
    moderators = Group.objects.filter(name="Moderators").first()
    editors = Group.objects.get(name=Role.EDITORS.value)
    if moderators is not None:
        try:
            GroupApprovalTask = apps.get_model("wagtailcore", "GroupApprovalTask")
        except LookupError:
            GroupApprovalTask = None
        if GroupApprovalTask is not None:
            for task in GroupApprovalTask.objects.filter(groups=moderators):
                task.groups.add(editors)
                task.groups.remove(moderators)
        moderators.delete()
