"""Logging out, deactivation and a new password end a person's sessions on every device.

Two test clients stand for two devices (a laptop and a phone) signed in as the same
learner. A learner page (the dashboard) answers 200 while signed in and sends a visitor
to the login page otherwise. Sessions are tracked by allauth's usersessions app and ended
by accounts/sessions.py; each behaviour is checked with the database session engine (the
default) and with cached_db (production's, with the default cache: Redis when CACHE_URL
points at it).
"""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from allauth.usersessions.models import UserSession
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from tests.devices import signed_in

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-9"  # noqa: S105 - test credential
ENGINES = [
    pytest.param("django.contrib.sessions.backends.db", id="db"),
    pytest.param("django.contrib.sessions.backends.cached_db", id="cached_db"),
]


@pytest.fixture(params=ENGINES, autouse=True)
def engine(request, settings):
    settings.SESSION_ENGINE = request.param
    return request.param


@pytest.fixture
def learner(django_user_model):
    user = django_user_model.objects.create_user(email="lea@example.org", password=PASSWORD)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def log_in(user) -> Client:
    """A device signed in through the login form (allauth)."""
    device = Client()
    response = device.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302, response
    assert signed_in(device)
    return device


@pytest.fixture
def devices(learner):
    laptop = log_in(learner)
    phone = Client()
    phone.force_login(learner)  # Django's own log-in (as the admin's), not allauth's
    assert signed_in(phone)
    assert UserSession.objects.filter(user=learner).count() == 2
    return laptop, phone


def test_logging_out_on_one_device_logs_out_everywhere(learner, devices):
    laptop, phone = devices
    keys = list(UserSession.objects.filter(user=learner).values_list("session_key", flat=True))
    response = phone.post(reverse("account_logout"))
    assert response.status_code == 302
    assert not signed_in(phone)
    assert not signed_in(laptop)
    assert not UserSession.objects.filter(user=learner).exists()
    assert not Session.objects.filter(session_key__in=keys).exists()


def test_other_people_stay_signed_in(learner, devices, django_user_model):
    laptop, _phone = devices
    other = django_user_model.objects.create_user(email="omar@example.org", password=PASSWORD)
    EmailAddress.objects.create(user=other, email=other.email, verified=True, primary=True)
    theirs = log_in(other)
    assert laptop.post(reverse("account_logout")).status_code == 302
    assert signed_in(theirs)


def test_deactivation_ends_every_session_at_once(learner, devices):
    laptop, phone = devices
    learner.is_active = False
    learner.save()
    assert not UserSession.objects.filter(user=learner).exists()
    assert not Session.objects.exists()
    assert not signed_in(laptop)
    assert not signed_in(phone)


@pytest.fixture
def console(django_user_model) -> Client:
    """An administrator signed in to the admin (with TOTP, as the admin asks of staff)."""
    from tests.mfa import activate_totp

    admin = django_user_model.objects.create_superuser(
        email="root@example.org", password=PASSWORD, full_name="Root"
    )
    activate_totp(admin)
    console = Client()
    console.force_login(admin)
    return console


def test_deactivation_in_the_admin_ends_every_session(learner, devices, console):
    laptop, phone = devices
    url = reverse("wagtailusers_users:edit", args=[learner.pk])
    page = console.get(url)
    assert page.status_code == 200, page
    form = page.context["form"]
    data = {
        name: value
        for name, value in form.initial.items()
        if value is not None and name not in ("is_active", "groups", "password1", "password2")
    }
    data.update({"email": learner.email, "full_name": "Lea", "password1": "", "password2": ""})
    response = console.post(url, data)
    assert response.status_code == 302, response.context["form"].errors
    learner.refresh_from_db()
    assert not learner.is_active
    assert not signed_in(laptop)
    assert not signed_in(phone)
    assert console.get(reverse("wagtailadmin_home")).status_code == 200  # the admin stays


def test_deactivation_by_the_admin_s_bulk_action_ends_every_session(learner, devices, console):
    """The user list's "Set active state" writes with QuerySet.update(), which sends no
    signal (accounts.kept_user.after_bulk_action)."""
    laptop, phone = devices
    url = reverse("wagtail_bulk_action", args=["accounts", "user", "set_active_state"])
    response = console.post(f"{url}?id={learner.pk}", {"mark_as_active": "False"})
    assert response.status_code == 302, response
    learner.refresh_from_db()
    assert not learner.is_active
    assert not UserSession.objects.filter(user=learner).exists()
    assert not signed_in(laptop)
    assert not signed_in(phone)
    assert console.get(reverse("wagtailadmin_home")).status_code == 200  # the admin stays


def test_a_new_password_ends_the_other_sessions_but_not_this_one(learner, devices):
    laptop, phone = devices
    response = laptop.post(
        reverse("account_change_password"),
        {
            "oldpassword": PASSWORD,
            "password1": "new-horse-battery-7",
            "password2": "new-horse-battery-7",
        },
    )
    assert response.status_code == 302
    assert signed_in(laptop)
    assert not signed_in(phone)
    # The laptop's session, under its new key, is tracked: logging out there still ends it.
    current = laptop.session.session_key
    assert UserSession.objects.filter(user=learner, session_key=current).exists()
    learner.refresh_from_db()  # its new password: force_login signs the session with it
    phone_again = Client()
    phone_again.force_login(learner)
    assert signed_in(phone_again)
    assert phone_again.post(reverse("account_logout")).status_code == 302
    assert not signed_in(laptop)


def test_a_password_reset_ends_every_session(learner, devices):
    laptop, phone = devices
    learner.set_password("reset-horse-battery-7")
    learner.save()
    assert not signed_in(laptop)
    assert not signed_in(phone)
    assert not UserSession.objects.filter(user=learner).exists()


def test_a_learner_sees_their_sessions_and_can_end_the_others(learner, devices):
    laptop, phone = devices
    page = laptop.get(reverse("usersessions_list"))
    assert page.status_code == 200
    assert page.context["session_count"] == 2
    response = laptop.post(reverse("usersessions_list"))  # "Sign out other sessions"
    assert response.status_code == 302
    assert signed_in(laptop)
    assert not signed_in(phone)
