"""Sign-up, e-mail verification, log-in, rate limits, roles, profile and language."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse
from wagtail.test.utils.form_data import querydict_from_html

from accounts.choices import Role
from accounts.models import User
from tests.mfa import activate_totp

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-9"


def signup_data(**overrides):
    data = {
        "email": "amina@example.org",
        "password1": "a-long-passphrase-42",
        "password2": "a-long-passphrase-42",
        "full_name": "Amina Diallo",
        "country": "SN",
        "organisation": "Ministry of the Interior",
        "position": "Policy officer",
        "preferred_language": "fr",
    }
    data.update(overrides)
    return data


def is_logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def confirmation_link(message) -> str:
    match = re.search(r"https?://testserver(/accounts/confirm-email/[^/\s]+/)", message.body)
    assert match, message.body
    return match.group(1)


# --- sign-up and verification ---------------------------------------------------------------


def test_signup_verification_and_login(client):
    response = client.post(reverse("account_signup"), signup_data())
    assert response.status_code == 302
    assert not is_logged_in(client)  # mandatory verification: not before the link
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["amina@example.org"]

    link = confirmation_link(message)
    assert client.get(link).status_code == 200  # GET only shows the button
    assert not is_logged_in(client)
    response = client.post(link)
    assert response.status_code == 302

    user = User.objects.get(email="amina@example.org")
    assert user.emailaddress_set.get().verified
    client.logout()
    response = client.post(
        reverse("account_login"), {"login": "amina@example.org", "password": "a-long-passphrase-42"}
    )
    assert response.status_code == 302
    assert is_logged_in(client)
    assert client.session["_auth_user_id"] == str(user.pk)


def test_signup_stores_the_profile_and_makes_a_trainee(client):
    client.post(reverse("account_signup"), signup_data())
    user = User.objects.get(email="amina@example.org")
    assert user.full_name == "Amina Diallo"
    assert user.country.code == "SN"
    assert user.organisation == "Ministry of the Interior"
    assert user.position == "Policy officer"
    assert user.preferred_language == "fr"
    assert list(user.groups.values_list("name", flat=True)) == [Role.TRAINEES.value]
    assert not user.is_staff and not user.is_superuser


def test_signup_requires_a_full_name(client):
    response = client.post(reverse("account_signup"), signup_data(full_name=""))
    assert response.status_code == 200
    assert "full_name" in response.context["form"].errors
    assert not User.objects.exists()


def test_unverified_user_cannot_log_in(client, make_user):
    make_user(email="new@example.org", password=PASSWORD, verified=False)
    response = client.post(
        reverse("account_login"), {"login": "new@example.org", "password": PASSWORD}
    )
    assert not is_logged_in(client)
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert len(mail.outbox) == 1  # a fresh confirmation link


def test_verified_user_logs_in_and_a_wrong_password_does_not(client, make_user):
    make_user(email="ok@example.org", password=PASSWORD)
    response = client.post(
        reverse("account_login"), {"login": "ok@example.org", "password": "nope"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not is_logged_in(client)
    client.post(reverse("account_login"), {"login": "OK@example.org", "password": PASSWORD})
    assert is_logged_in(client)


def test_repeated_wrong_passwords_are_rate_limited(client, make_user):
    make_user(email="target@example.org", password=PASSWORD)
    limit = int(settings.ACCOUNT_RATE_LIMITS["login_failed"].split(",")[-1].split("/")[0])
    for _ in range(limit):
        response = client.post(
            reverse("account_login"), {"login": "target@example.org", "password": "wrong"}
        )
        assert "Too many failed login attempts" not in response.content.decode()
    response = client.post(
        reverse("account_login"), {"login": "target@example.org", "password": "wrong"}
    )
    assert response.status_code in {200, 429}
    assert "Too many failed login attempts" in response.content.decode()
    # Even the right password is refused while the limit holds.
    response = client.post(
        reverse("account_login"), {"login": "target@example.org", "password": PASSWORD}
    )
    assert not is_logged_in(client)
    assert "Too many failed login attempts" in response.content.decode()


# --- the admin ------------------------------------------------------------------------------


def test_trainee_cannot_reach_the_admin(client, make_user):
    client.force_login(make_user(role=Role.TRAINEES.value))
    for path in ("/admin/", "/admin/pages/", "/admin/users/"):
        response = client.get(path)
        assert response.status_code in {302, 403}, path
        if response.status_code == 302:
            assert not response["Location"].startswith("/admin/"), response["Location"]


def test_anonymous_admin_goes_to_the_allauth_login(client):
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_admin_login_redirects_to_allauth(client):
    response = client.get("/admin/login/?next=/admin/pages/")
    assert response.status_code in {301, 302}
    assert response["Location"].startswith(reverse("account_login"))
    assert "next=/admin/pages/" in response["Location"]


def test_editor_reaches_the_admin(client, make_user):
    editor = make_user(role=Role.EDITORS.value)
    activate_totp(editor)  # staff need two-factor authentication for the admin
    client.force_login(editor)
    assert client.get("/admin/").status_code == 200


def test_admin_user_edit_form_for_our_user(client, make_user):
    admin = make_user(email="root@example.org", superuser=True)
    activate_totp(admin)
    person = make_user(email="person@example.org", full_name="Old Name", role=Role.TRAINEES.value)
    client.force_login(admin)
    url = reverse("wagtailusers_users:edit", args=[person.pk])
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="full_name"' in html
    assert 'name="first_name"' not in html
    data = querydict_from_html(html, form_id="w-editor-form")
    data["full_name"] = "New Name"
    data["organisation"] = "IOM"
    data["country"] = "KE"
    data["preferred_language"] = "es"
    response = client.post(url, data)
    assert response.status_code == 302, response.context["form"].errors
    person.refresh_from_db()
    assert person.full_name == "New Name"
    assert person.organisation == "IOM"
    assert person.country.code == "KE"
    assert person.preferred_language == "es"
    assert person.groups.filter(name=Role.TRAINEES.value).exists()


def test_admin_user_create_form(client, make_user):
    admin = make_user(email="root@example.org", superuser=True)
    activate_totp(admin)
    client.force_login(admin)
    url = reverse("wagtailusers_users:add")
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    for name in ("email", "full_name", "country", "organisation", "position", "preferred_language"):
        assert f'name="{name}"' in html, name
    data = querydict_from_html(html, form_id="w-editor-form")
    for key, value in {
        "email": "trainer2@example.org",
        "full_name": "Tariq Trainer",
        "country": "JO",
        "preferred_language": "en",
        "password1": "a-long-passphrase-42",
        "password2": "a-long-passphrase-42",
    }.items():
        data[key] = value
    response = client.post(url, data)
    assert response.status_code == 302, response.context["form"].errors
    created = User.objects.get(email="trainer2@example.org")
    assert created.full_name == "Tariq Trainer"
    assert created.country.code == "JO"


# --- profile and language -------------------------------------------------------------------


def test_profile_requires_login(client):
    response = client.get(reverse("accounts_profile"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_profile_saves(client, make_user):
    user = make_user()
    client.force_login(user)
    assert client.get(reverse("accounts_profile")).status_code == 200
    response = client.post(
        reverse("accounts_profile"),
        {
            "full_name": "Ana Pérez",
            "country": "MX",
            "organisation": "Instituto Nacional de Migración",
            "position": "Analyst",
            "preferred_language": "es",
        },
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.full_name == "Ana Pérez"
    assert user.country.code == "MX"
    assert user.preferred_language == "es"
    assert client.cookies["django_language"].value == "es"


def test_preferred_language_drives_the_interface(client, make_user):
    user = make_user(preferred_language="fr")
    client.force_login(user)
    response = client.get(reverse("accounts_profile"), HTTP_ACCEPT_LANGUAGE="en")
    assert '<html lang="fr"' in response.content.decode()
    assert response["Content-Language"] == "fr"
    user.preferred_language = "en"
    user.save()
    response = client.get(reverse("accounts_profile"), HTTP_ACCEPT_LANGUAGE="fr")
    assert '<html lang="en"' in response.content.decode()


def test_set_language_stores_the_preference(client, make_user):
    user = make_user(preferred_language="en")
    client.force_login(user)
    response = client.post(
        reverse("set_language"), {"language": "es", "next": "/accounts/profile/"}
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.preferred_language == "es"
    response = client.get(reverse("accounts_profile"))
    assert '<html lang="es"' in response.content.decode()


def test_set_language_anonymous_sets_only_the_cookie(client):
    response = client.post(reverse("set_language"), {"language": "fr", "next": "/"})
    assert response.status_code == 302
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "fr"
