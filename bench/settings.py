"""Settings for `make bench`: production settings (DEBUG off, the same middleware, caches
and sessions as production), plus the floor endpoint and the data-building commands.

Everything production reads from the environment still comes from it (bench/run.py sets
SECRET_KEY, ALLOWED_HOSTS and SECURE_SSL_REDIRECT; DATABASE_URL and CACHE_URL pass
through). Never deploy with these settings.
"""

from training_site.settings.production import *  # noqa: F403
from training_site.settings.production import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "bench"]
ROOT_URLCONF = "bench.urls"

# The harness speaks plain HTTP to gunicorn with X-Forwarded-Proto: https, like the proxy.
SECURE_SSL_REDIRECT = False
