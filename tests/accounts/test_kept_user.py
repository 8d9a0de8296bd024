"""The signed-in person's user row is kept between requests (accounts.kept_user), and a kept
row is never used where Django would refuse the session or where the row has changed.

A learner page (the dashboard) answers 200 while signed in and sends a visitor to the
login page otherwise. The next request after each change must see the change.
"""

from __future__ import annotations

import pytest
from django.contrib.auth import HASH_SESSION_KEY
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts import kept_user
from tests.devices import CacheDown, signed_in
from training_site import content_cache

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-9"  # noqa: S105 - test credential


@pytest.fixture
def learner(make_user):
    return make_user("lea@example.org", PASSWORD, full_name="Lea Diallo")


@pytest.fixture
def device(client, learner):
    client.force_login(learner)
    assert signed_in(client)  # the row is kept from here
    return client


def user_row_reads(device) -> int:
    """How many times the next dashboard request reads the user table's rows by id."""
    with CaptureQueriesContext(connection) as queries:
        assert device.get(reverse("dashboard")).status_code == 200
    table = kept_user.auth.get_user_model()._meta.db_table
    return sum(
        f'FROM "{table}"' in q["sql"] and f'"{table}"."id" =' in q["sql"]
        for q in queries.captured_queries
    )


def test_a_signed_in_learner_s_next_pages_read_no_user_row(device):
    assert user_row_reads(device) == 0
    assert user_row_reads(device) == 0


def test_the_row_is_read_again_after_it_is_saved(device, learner):
    learner.preferred_language = "fr"
    learner.save()

    response = device.get(reverse("dashboard"))

    assert response.headers["Content-Language"] == "fr"  # the saved row, not the kept one
    assert user_row_reads(device) == 0  # and kept again


def test_a_new_password_saved_elsewhere_signs_this_session_out(device, learner):
    learner.set_password("another-horse-7")
    learner.save()

    assert not signed_in(device)


def test_a_row_changed_without_signals_is_read_again_once_said(device, learner):
    """QuerySet.update() sends no signal: code that writes users so says so."""
    type(learner).objects.filter(pk=learner.pk).update(is_active=False)
    kept_user.user_rows_changed([learner.pk])

    assert not signed_in(device)


def test_a_session_whose_hash_does_not_match_is_refused_and_flushed(device):
    session = device.session
    session[HASH_SESSION_KEY] = "not-the-hash"
    session.save()

    assert not signed_in(device)
    assert HASH_SESSION_KEY not in device.session  # flushed by Django, as without the cache


def test_the_kept_row_holds_no_permission_answers(device, learner):
    """Staff links and permissions are asked per request: a role given between two
    requests shows at once."""
    from django.contrib.auth.models import Group

    home = device.get(reverse("dashboard")).content.decode()
    assert reverse("cohorts:home") not in home
    learner.groups.add(Group.objects.get(name="Trainers"))  # no save of the row

    assert reverse("cohorts:home") in device.get(reverse("dashboard")).content.decode()


def test_without_a_cache_every_request_reads_the_row(device, monkeypatch):
    monkeypatch.setattr(content_cache, "cache", CacheDown())

    assert signed_in(device)
    assert user_row_reads(device) == 1


def test_the_cache_holds_no_password_hash(device, learner):
    import pickle

    key = content_cache.data_key(
        kept_user.KEY.format(user_id=learner.pk),
        "auth-user",
        kept_user._secret_id(),
        learner.pk,
    )
    row = content_cache.kept(key, 60)

    assert row is not content_cache.MISSING
    assert learner.password.encode() not in pickle.dumps(row)
    assert row.user().email == learner.email
    assert "password" in row.user().get_deferred_fields()  # read only if asked for


def test_a_new_secret_key_signs_every_session_out_as_without_the_cache(device, settings):
    settings.SECRET_KEY = "another-secret-key-" + "x" * 50
    settings.SECRET_KEY_FALLBACKS = []

    assert not signed_in(device)


def test_the_old_secret_key_among_the_fallbacks_keeps_the_session_and_renews_it(
    device, learner, settings
):
    """As Django does: the session is signed again with the new key."""
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "another-secret-key-" + "x" * 50

    assert signed_in(device)
    assert device.session[HASH_SESSION_KEY] == learner.get_session_auth_hash()  # the new key's
    assert signed_in(device)
