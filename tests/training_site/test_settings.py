"""Production settings refuse to start half-configured and pass Django's deploy checks.

Each case runs ``manage.py`` in a subprocess with a clean environment: settings modules are
read once per process, and the developer's own environment must not leak in.
"""

import os
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

BASE_DIR = Path(__file__).resolve().parents[2]
PRODUCTION = "training_site.settings.production"


def _clean_env(**extra: str) -> dict[str, str]:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),  # noqa: S108
        "DJANGO_SETTINGS_MODULE": PRODUCTION,
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    env.update(extra)
    return env


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        args, cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120, check=False
    )


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return _run([sys.executable, "manage.py", *args], env)


def _production_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return _clean_env(
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="example.org",
        DATABASE_URL=f"sqlite:///{tmp_path / 'prod.sqlite3'}",
        **extra,
    )


def _setting(name: str, env: dict[str, str]) -> str:
    code = f"from django.conf import settings; print(settings.{name})"
    result = _run([sys.executable, "-c", code], env)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_production_refuses_to_start_without_secret_and_hosts():
    result = _manage("check", env=_clean_env())

    assert result.returncode != 0
    assert "SECRET_KEY and ALLOWED_HOSTS" in result.stderr


def test_production_refuses_a_secret_but_no_hosts():
    result = _manage("check", env=_clean_env(SECRET_KEY=secrets.token_urlsafe(64)))

    assert result.returncode != 0
    assert "ALLOWED_HOSTS" in result.stderr


def test_production_refuses_a_short_secret():
    result = _manage("check", env=_clean_env(SECRET_KEY="short", ALLOWED_HOSTS="example.org"))

    assert result.returncode != 0
    assert "at least 50" in result.stderr


@pytest.mark.parametrize("database", ["sqlite", "postgres"])
def test_production_passes_the_deploy_checks(tmp_path, database):
    """Only SECRET_KEY, ALLOWED_HOSTS and DATABASE_URL set (the checks connect to nothing)."""
    env = _production_env(tmp_path)
    if database == "postgres":
        env["DATABASE_URL"] = "postgres://migof:not-a-real-password@postgres.internal:5432/migof"
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=env)

    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "WARNING" not in output
    assert "no issues" in output


def test_production_keeps_sessions_in_the_database_without_redis(tmp_path):
    env = _production_env(tmp_path)

    assert _setting("SESSION_ENGINE", env) == "django.contrib.sessions.backends.db"
    assert _setting("DEBUG", env) == "False"


def test_production_caches_and_sessions_in_redis_when_given(tmp_path):
    env = _production_env(tmp_path, CACHE_URL="redis://redis.internal:6379/1")

    assert _setting("SESSION_ENGINE", env) == "django.contrib.sessions.backends.cached_db"
    # Django's Redis backend, one client per pool (training_site/redis_cache.py).
    assert _setting("CACHES['default']['BACKEND']", env) == "training_site.redis_cache.RedisCache"
    assert _setting("CACHES['default']['LOCATION']", env) == "redis://redis.internal:6379/1"


# --- docker compose ---------------------------------------------------------------------------


def _compose() -> dict:
    return yaml.safe_load((BASE_DIR / "docker-compose.yml").read_text())


def test_compose_stack_has_every_service_on_production_settings():
    services = _compose()["services"]

    assert {"postgres", "redis", "elasticsearch", "web", "worker", "beat"} <= set(services)
    for name in ("web", "worker", "beat"):
        environment = services[name]["environment"]
        assert environment["DJANGO_SETTINGS_MODULE"] == PRODUCTION
        for variable in ("DATABASE_URL", "CACHE_URL", "CELERY_BROKER_URL", "ELASTICSEARCH_URL"):
            assert environment[variable], (name, variable)
        assert environment["SECRET_KEY"] == "${SECRET_KEY:?set SECRET_KEY}"
    assert "/healthz" in " ".join(services["web"]["healthcheck"]["test"])


def _compose_command() -> list[str] | None:
    """`docker compose` (v2 plugin), else the standalone `docker-compose`, else None."""
    if shutil.which("docker"):
        probe = subprocess.run(["docker", "compose", "version"], capture_output=True, check=False)
        if probe.returncode == 0:
            return ["docker", "compose"]
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    return None


COMPOSE = _compose_command()


@pytest.mark.skipif(COMPOSE is None, reason="docker compose is not installed")
def test_compose_file_is_valid(tmp_path):
    empty_env_file = tmp_path / "empty.env"
    empty_env_file.write_text("")
    command = [*COMPOSE, "--env-file", str(empty_env_file), "config", "-q"]
    configured = {"ALLOWED_HOSTS": "example.org", "POSTGRES_PASSWORD": "not-a-real-password"}

    valid = _run(command, _clean_env(SECRET_KEY="x" * 64, **configured))
    assert valid.returncode == 0, valid.stderr

    without_secret = _run(command, _clean_env(**configured))
    assert without_secret.returncode != 0
    assert "SECRET_KEY" in without_secret.stderr


def test_the_wsgi_application_loads_every_view_and_sets_it_aside_from_the_collector(tmp_path):
    """Under gunicorn a full garbage collection walked every object the process had loaded
    and stopped the worker for 90-140 ms every few hundred requests: the WSGI module loads
    the views before serving and freezes what it loaded."""
    code = (
        "import gc, sys; from training_site.wsgi import application; "
        "print(gc.get_freeze_count(), 'cohorts.cohort_views' in sys.modules)"
    )
    result = _run([sys.executable, "-c", code], _production_env(tmp_path))

    assert result.returncode == 0, result.stderr
    frozen, views_loaded = result.stdout.split()
    assert int(frozen) > 50_000
    assert views_loaded == "True"
