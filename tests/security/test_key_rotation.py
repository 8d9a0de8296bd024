"""Rotating SECRET_KEY: with the old key in SECRET_KEY_FALLBACKS nobody is signed out; the
production settings read the fallbacks from the environment and refuse bad ones."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core import signing
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[2]
OLD_KEY = "old-secret-key-" + "a1" * 30
NEW_KEY = "new-secret-key-" + "b2" * 30


@pytest.fixture
def signed_in(client, django_user_model, settings):
    """A learner signed in while OLD_KEY was the secret key."""
    settings.SECRET_KEY = OLD_KEY
    settings.SECRET_KEY_FALLBACKS = []
    user = django_user_model.objects.create_user(email="rotate@example.org", password="pw-012345")
    client.force_login(user)
    assert client.get(reverse("accounts_profile")).status_code == 200
    return client


@pytest.mark.django_db
def test_a_session_survives_rotation_with_the_old_key_as_fallback(signed_in, settings):
    settings.SECRET_KEY = NEW_KEY
    settings.SECRET_KEY_FALLBACKS = [OLD_KEY]
    assert signed_in.get(reverse("accounts_profile")).status_code == 200


@pytest.mark.django_db
def test_without_the_fallback_the_old_session_is_signed_out(signed_in, settings):
    settings.SECRET_KEY = NEW_KEY
    settings.SECRET_KEY_FALLBACKS = []
    response = signed_in.get(reverse("accounts_profile"))
    assert response.status_code == 302 and reverse("account_login") in response.url


def test_values_signed_with_the_old_key_still_verify(settings):
    settings.SECRET_KEY = OLD_KEY
    token = signing.dumps({"invitation": 7}, salt="test")
    settings.SECRET_KEY = NEW_KEY
    settings.SECRET_KEY_FALLBACKS = [OLD_KEY]
    assert signing.loads(token, salt="test") == {"invitation": 7}
    settings.SECRET_KEY_FALLBACKS = []
    with pytest.raises(signing.BadSignature):
        signing.loads(token, salt="test")


def production(tmp_path, **env: str) -> subprocess.CompletedProcess:
    code = "from django.conf import settings; print(settings.SECRET_KEY_FALLBACKS)"
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "DJANGO_SETTINGS_MODULE": "training_site.settings.production",
            "ALLOWED_HOSTS": "example.org",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'prod.sqlite3'}",
            "PYTHONDONTWRITEBYTECODE": "1",
            **env,
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_production_reads_the_fallbacks_from_the_environment(tmp_path):
    current, old, older = (secrets.token_urlsafe(64) for _ in range(3))
    done = production(tmp_path, SECRET_KEY=current, SECRET_KEY_FALLBACKS=f"{old}, {older}")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == repr([old, older])
    done = production(tmp_path, SECRET_KEY=current)
    assert done.stdout.strip() == "[]"


@pytest.mark.parametrize(
    "fallbacks, message",
    [
        ("too-short", "must be a former SECRET_KEY"),
        ("CURRENT", "holds the current SECRET_KEY"),
    ],
)
def test_production_refuses_bad_fallbacks(tmp_path, fallbacks, message):
    current = secrets.token_urlsafe(64)
    done = production(
        tmp_path, SECRET_KEY=current, SECRET_KEY_FALLBACKS=fallbacks.replace("CURRENT", current)
    )
    assert done.returncode != 0
    assert message in done.stderr
