"""Two-factor authentication (TOTP plus recovery codes): required for staff before the admin
and the trainer pages; asked for at every staff log-in; demo staff accounts keep working."""

from __future__ import annotations

import io

import pytest
from allauth.mfa.models import Authenticator
from django.contrib.messages import get_messages
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings
from django.urls import reverse

from accounts.choices import Role
from accounts.demo import DEMO_PASSWORD, DEMO_TOTP_SECRET, ensure_demo_accounts
from accounts.mfa import user_has_mfa, user_requires_mfa
from accounts.models import User
from tests.mfa import activate_totp, recovery_codes, totp_code

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-9"  # make_user's default
STAFF = [
    pytest.param({"role": Role.TRAINERS.value}, id="trainer"),
    pytest.param({"role": Role.EDITORS.value}, id="editor"),
    pytest.param({"role": Role.ADMINISTRATORS.value}, id="administrator"),
    pytest.param({"superuser": True}, id="superuser"),
]


@pytest.fixture
def staff(make_user):
    """An editor with TOTP set up (the secret is tests.mfa.TEST_TOTP_SECRET)."""
    user = make_user(email="staff@example.org", role=Role.EDITORS.value)
    activate_totp(user)
    return user


def is_logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def log_in(client, email, password=PASSWORD, next_url=None):
    url = reverse("account_login")
    if next_url:
        url += f"?next={next_url}"
    return client.post(url, {"login": email, "password": password})


def enter_code(client, code):
    return client.post(reverse("mfa_authenticate"), {"code": code})


# --- who needs it ---------------------------------------------------------------------------


@pytest.mark.parametrize("kwargs", STAFF)
def test_staff_require_mfa(make_user, kwargs):
    user = make_user(**kwargs)
    assert user_requires_mfa(user)
    assert not user_has_mfa(user)
    activate_totp(user)
    assert user_has_mfa(user)


def test_trainees_and_people_without_a_role_do_not(make_user):
    assert not user_requires_mfa(make_user(email="a@example.org", role=Role.TRAINEES.value))
    assert not user_requires_mfa(make_user(email="b@example.org"))


# --- the middleware -------------------------------------------------------------------------


@pytest.mark.parametrize("kwargs", STAFF)
@pytest.mark.parametrize("path", ["/admin/", "/admin/pages/", "/trainer/anything/"])
def test_staff_without_mfa_are_sent_to_set_it_up(client, make_user, kwargs, path):
    client.force_login(make_user(**kwargs))
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")
    [message] = get_messages(response.wsgi_request)
    assert "two-factor authentication" in str(message)


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/healthz",
        "/accounts/profile/",
        "/accounts/logout/",
        "/accounts/2fa/",
        "/accounts/2fa/totp/activate/",
        "/accounts/password/change/",
    ],
)
def test_everything_else_stays_reachable(client, make_user, url):
    client.force_login(make_user(role=Role.EDITORS.value))
    response = client.get(url)
    assert response.status_code in {200, 302}, url
    if response.status_code == 302:
        # only allauth's own re-authentication step, never a loop back to activation
        assert response["Location"].startswith(reverse("account_reauthenticate")), url


def test_trainee_gets_wagtails_refusal_as_before(client, make_user):
    client.force_login(make_user(role=Role.TRAINEES.value))
    for path in ("/admin/", "/admin/pages/"):
        response = client.get(path)
        assert response.status_code in {302, 403}, path
        if response.status_code == 302:
            location = response["Location"]
            assert not location.startswith(("/admin/", reverse("mfa_activate_totp"))), location


def test_anonymous_visitors_still_go_to_the_login(client):
    response = client.get("/admin/pages/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_staff_with_mfa_reach_the_admin(client, staff):
    client.force_login(staff)
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/pages/").status_code == 200


# --- setting it up --------------------------------------------------------------------------


def test_activating_totp_opens_the_admin_and_shows_recovery_codes(client, make_user):
    make_user(email="new-editor@example.org", role=Role.EDITORS.value)
    assert log_in(client, "new-editor@example.org").status_code == 302
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[0][0] == reverse("mfa_activate_totp")
    # allauth asks for the password again before any change to two-factor settings
    assert response.redirect_chain[-1][0].startswith(reverse("account_reauthenticate"))
    response = client.post(response.redirect_chain[-1][0], {"password": PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("mfa_activate_totp")
    assert response.status_code == 200
    secret = response.context["form"].secret
    assert secret in response.content.decode()  # shown to type into an app

    response = client.post(reverse("mfa_activate_totp"), {"code": "000000"})
    assert response.status_code == 200
    assert response.context["form"].errors
    response = client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret)})
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_view_recovery_codes")

    user = User.objects.get(email="new-editor@example.org")
    assert user_has_mfa(user)
    codes = recovery_codes(user)
    assert len(codes) == 10
    page = client.get(reverse("mfa_view_recovery_codes")).content.decode()
    assert all(code in page for code in codes)
    assert client.get("/admin/").status_code == 200


# --- logging in -----------------------------------------------------------------------------


def test_staff_log_in_with_password_then_code(client, staff):
    response = log_in(client, staff.email, next_url="/admin/pages/")
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_authenticate")
    assert not is_logged_in(client)  # not before the code

    response = enter_code(client, totp_code())
    assert response.status_code == 302
    assert response["Location"] == "/admin/pages/"
    assert is_logged_in(client)
    assert client.get("/admin/pages/").status_code == 200


def test_a_wrong_code_is_refused(client, staff):
    log_in(client, staff.email)
    right = totp_code()
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    response = enter_code(client, wrong)
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not is_logged_in(client)


def test_a_code_works_only_once(client, staff):
    code = totp_code()
    log_in(client, staff.email)
    enter_code(client, code)
    assert is_logged_in(client)
    client.logout()
    log_in(client, staff.email)
    assert enter_code(client, code).status_code == 200
    assert not is_logged_in(client)


def test_a_recovery_code_works_once(client, staff):
    first, second = recovery_codes(staff)[:2]
    log_in(client, staff.email)
    assert enter_code(client, first).status_code == 302
    assert is_logged_in(client)
    assert first not in recovery_codes(staff)

    client.logout()
    log_in(client, staff.email)
    assert enter_code(client, first).status_code == 200
    assert not is_logged_in(client)
    assert enter_code(client, second).status_code == 302
    assert is_logged_in(client)


def test_the_code_step_is_rate_limited(client, staff):
    log_in(client, staff.email)
    for _ in range(5):  # ACCOUNT_RATE_LIMITS["login_failed"]: 5 per key
        assert enter_code(client, "000000").status_code == 200
    response = enter_code(client, totp_code())  # even the right code, now
    assert response.status_code == 200
    assert "too many" in str(response.context["form"].errors).lower()
    assert not is_logged_in(client)


def test_trainees_log_in_without_a_code(client, make_user):
    make_user(email="learner@example.org", role=Role.TRAINEES.value)
    response = log_in(client, "learner@example.org")
    assert response.status_code == 302
    assert response["Location"] != reverse("mfa_authenticate")
    assert is_logged_in(client)


# --- demo accounts --------------------------------------------------------------------------


def _authenticators(email):
    return set(
        Authenticator.objects.filter(user__email=email).values_list("type", "pk").order_by("pk")
    )


def test_demo_staff_have_totp_and_recovery_codes_idempotently():
    ensure_demo_accounts()
    for email in ("admin@example.org", "editor@example.org", "trainer@example.org"):
        user = User.objects.get(email=email)
        assert user_has_mfa(user), email
        totp = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)
        assert totp.wrap().validate_code(totp_code(DEMO_TOTP_SECRET))
        assert len(recovery_codes(user)) == 10
    assert not Authenticator.objects.filter(user__email="trainee@example.org").exists()

    before = {email: _authenticators(email) for email in ("admin@example.org",)}
    ensure_demo_accounts()
    assert {email: _authenticators(email) for email in before} == before


def test_demo_secret_is_restored_if_changed():
    ensure_demo_accounts()
    editor = User.objects.get(email="editor@example.org")
    Authenticator.objects.filter(user=editor, type=Authenticator.Type.TOTP).delete()
    activate_totp(editor)  # another secret
    ensure_demo_accounts()
    totp = Authenticator.objects.get(user=editor, type=Authenticator.Type.TOTP)
    assert totp.wrap().validate_code(totp_code(DEMO_TOTP_SECRET))


def test_demo_totp_code_logs_a_demo_editor_in(client):
    ensure_demo_accounts()
    out = io.StringIO()
    call_command("demo_totp_code", "editor@example.org", stdout=out, stderr=io.StringIO())
    code = out.getvalue().strip()
    assert code.isdigit() and len(code) == 6

    response = log_in(client, "editor@example.org", DEMO_PASSWORD, next_url="/admin/")
    assert response["Location"] == reverse("mfa_authenticate")
    response = enter_code(client, code)
    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_demo_totp_code_without_an_account_prints_the_demo_code():
    out = io.StringIO()
    call_command("demo_totp_code", stdout=out, stderr=io.StringIO())
    assert out.getvalue().strip() in {totp_code(DEMO_TOTP_SECRET, step=s) for s in (0, -1)}


@pytest.mark.parametrize("email", ["trainee@example.org", "someone@example.org"])
def test_demo_totp_code_refuses_other_accounts(email):
    ensure_demo_accounts()
    with pytest.raises(CommandError, match="not a staff demo account"):
        call_command("demo_totp_code", email, stdout=io.StringIO())


def test_demo_totp_code_refuses_an_account_with_another_secret(make_user):
    ensure_demo_accounts()
    editor = User.objects.get(email="editor@example.org")
    Authenticator.objects.filter(user=editor).delete()
    activate_totp(editor)
    with pytest.raises(CommandError, match="seed_demo"):
        call_command("demo_totp_code", "editor@example.org", stdout=io.StringIO())


def test_demo_totp_code_refuses_production_settings():
    with (
        override_settings(SETTINGS_MODULE="training_site.settings.production"),
        pytest.raises(CommandError, match="production"),
    ):
        call_command("demo_totp_code", stdout=io.StringIO())
