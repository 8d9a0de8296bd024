"""Staff reach staff-only views only with two-factor authentication set up *and passed in
the session they use* (accounts.middleware.StaffMFARequiredMiddleware).

Every staff-only view sits under /admin/ (Wagtail, and what the apps add to it: question
import and export, quiz statistics and their CSV files, certificates) or /trainer/ (the
trainer workspace: cohorts, reports, exports and their downloads); a test below walks the
URL configuration so that a staff view added anywhere else fails it. For each staff role
and each of those views: without TOTP, the way leads to setting it up; with TOTP but a
session that never passed the code step (signed in before TOTP was set up on another
device), to allauth's code page, and back to the view once a code is entered.
tests/accounts/test_mfa.py covers log-in with a code, recovery codes and setting TOTP up.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accounts.choices import Role
from accounts.models import User
from tests.mfa import activate_totp, totp_code

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-9"  # noqa: S105 - test credential
STAFF = [
    pytest.param({"role": Role.TRAINERS.value}, id="trainer"),
    pytest.param({"role": Role.EDITORS.value}, id="editor"),
    pytest.param({"role": Role.ADMINISTRATORS.value}, id="administrator"),
    pytest.param({"superuser": True}, id="superuser"),
]
# Staff-only views, one of each kind (their ids need not exist: the check comes first).
STAFF_VIEWS = [
    "/admin/",
    "/admin/questions/import/",
    "/admin/questions/export/",
    "/admin/quizzes/statistics/",
    "/admin/quizzes/1/statistics/?format=attempts-csv",
    "/admin/certificates/",
    "/admin/users/",
    "/trainer/",
    "/trainer/cohorts/new/",
    "/trainer/cohorts/1/export/",
    "/trainer/reports/",
    "/trainer/reports/export/",
    "/trainer/exports/1/download/",
]


def make_staff(email: str, *, role: str | None = None, superuser: bool = False) -> User:
    create = User.objects.create_superuser if superuser else User.objects.create_user
    user = create(email=email, password=PASSWORD)
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user


@pytest.mark.parametrize("kwargs", STAFF)
def test_staff_without_totp_are_sent_to_set_it_up_from_every_staff_view(client, kwargs):
    client.force_login(make_staff("staff@example.org", **kwargs))
    for url in STAFF_VIEWS:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == reverse("mfa_activate_totp"), url


@pytest.mark.parametrize("kwargs", STAFF)
def test_a_session_that_skipped_the_code_step_is_asked_for_a_code(client, kwargs):
    staff = make_staff("staff@example.org", **kwargs)
    client.force_login(staff)  # signed in before TOTP was set up (on another device)
    activate_totp(staff)
    code_page = reverse("mfa_reauthenticate")
    for url in STAFF_VIEWS:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(code_page + "?next="), url
    # A code entered in this session opens the way, back where they were going.
    target = "/trainer/" if kwargs.get("role") == Role.TRAINERS.value else "/admin/"
    response = client.get(target, follow=True)
    assert response.redirect_chain[-1][0].startswith(code_page)
    response = client.post(response.redirect_chain[-1][0], {"code": totp_code()})
    assert response.status_code == 302
    assert response["Location"] == target
    assert client.get(target).status_code == 200


def test_staff_who_passed_the_code_step_at_log_in_go_straight_in(client):
    staff = make_staff("editor@example.org", role=Role.EDITORS.value)
    activate_totp(staff)
    from allauth.account.models import EmailAddress

    EmailAddress.objects.create(user=staff, email=staff.email, verified=True, primary=True)
    response = client.post(reverse("account_login"), {"login": staff.email, "password": PASSWORD})
    assert response["Location"] == reverse("mfa_authenticate")
    assert client.post(reverse("mfa_authenticate"), {"code": totp_code()}).status_code == 302
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/questions/export/").status_code == 200


def test_learners_are_not_asked_for_a_code(client):
    learner = make_staff("learner@example.org", role=Role.TRAINEES.value)
    client.force_login(learner)
    assert client.get(reverse("dashboard")).status_code == 200
    response = client.get("/trainer/")
    assert response.status_code == 403


# Every URL pattern outside /admin/ and /trainer/ serves visitors or learners. A new
# staff-only view must go under one of those prefixes (or the middleware's list).
PUBLIC_OR_LEARNER_PREFIXES = (
    "healthz",  # the health check
    "accounts/",  # allauth (log-in, sign-up, password, 2FA, sessions) and the profile
    "documents/",  # Wagtail's document serving (its own privacy rules)
    "_util/",  # Wagtail's forms for pages restricted by password or to signed-in people
    "i18n/setlang/",
    "search/",
    "dashboard/",
    "learning/",  # enrol, leave, complete an item
    "certificates/",  # a learner's own download, the public verification
    "join/",
    "invitation/",
)


def _routes(patterns, prefix: str = "") -> list[str]:
    found = []
    for entry in patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            found += _routes(entry.url_patterns, route)
        elif isinstance(entry, URLPattern):
            found.append(route)
    return found


def test_no_staff_view_lives_outside_the_protected_prefixes():
    from accounts.mfa import MFA_REQUIRED_PATH_PREFIXES

    protected = tuple(p.lstrip("/") for p in MFA_REQUIRED_PATH_PREFIXES)
    routes = _routes(get_resolver().url_patterns)
    assert any(r.startswith("trainer/") for r in routes)  # the walk sees included URLconfs
    outside = [
        r
        for r in routes
        if not r.startswith(protected)
        and not r.startswith(PUBLIC_OR_LEARNER_PREFIXES)
        and r not in ("", "^((?:[\\w\\-]+/)*)$")  # Wagtail's page serving
    ]
    assert outside == []
