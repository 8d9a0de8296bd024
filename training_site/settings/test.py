"""Tests: fast and isolated. Services are used only when the environment names them.

DATABASE_URL (PostgreSQL) and CELERY_BROKER_URL / CACHE_URL (Redis) switch the suite onto real
services; without them it runs on SQLite, an in-memory cache and in-process tasks.
"""

from .base import *  # noqa: F403

DEBUG = False
SECRET_KEY = "test-secret-key-not-for-production-0123456789abcdef"  # noqa: S105
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES["staticfiles"]["BACKEND"] = (  # noqa: F405
    "django.contrib.staticfiles.storage.StaticFilesStorage"
)
MEDIA_ROOT = BASE_DIR / ".test-media"  # noqa: F405
STORAGES["exports"]["OPTIONS"]["location"] = MEDIA_ROOT / "exports"  # noqa: F405
WAGTAILADMIN_BASE_URL = "http://testserver"

# Even with a broker configured (the CI's services run), tests run tasks in-process so no
# test waits on a worker that is not there; /healthz still checks the broker, and
# tests/training_site/test_celery.py switches this off to drive a real worker.
CELERY_TASK_ALWAYS_EAGER = True

# A folder where tasks may be held at named points (training_site/checkpoints.py): only the
# worker-kill tests set it, and no other settings module defines it.
TASK_CHECKPOINT_DIR = env("TASK_CHECKPOINT_DIR", default="")  # noqa: F405
