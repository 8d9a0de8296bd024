"""Production: refuses to start without a secret and allowed hosts.

Everything else comes from the environment (see README, "Configuration and production").
``manage.py check --deploy --fail-level WARNING`` passes with only SECRET_KEY, ALLOWED_HOSTS
and DATABASE_URL set.
"""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import CACHES, DATABASES, env

DEBUG = False

SECRET_KEY = env.str("SECRET_KEY", default="").strip()
ALLOWED_HOSTS = [host.strip() for host in env.list("ALLOWED_HOSTS", default=[]) if host.strip()]
if not SECRET_KEY or not ALLOWED_HOSTS:
    raise ImproperlyConfigured(
        "Production settings need SECRET_KEY and ALLOWED_HOSTS in the environment "
        "(e.g. SECRET_KEY=<50+ random characters> ALLOWED_HOSTS=academy.example.org)."
    )
if len(SECRET_KEY) < 50 or "insecure" in SECRET_KEY:
    raise ImproperlyConfigured(
        "Production needs a SECRET_KEY of at least 50 random characters (not a development key)."
    )

# Rotating the key (README, "Security and operations"): the new key goes in SECRET_KEY, the
# old one in SECRET_KEY_FALLBACKS (comma-separated) until sessions, password-reset links and
# other signed values made with it have expired; then it is removed.
SECRET_KEY_FALLBACKS = [
    key.strip() for key in env.list("SECRET_KEY_FALLBACKS", default=[]) if key.strip()
]
if any(len(key) < 50 or "insecure" in key for key in SECRET_KEY_FALLBACKS):
    raise ImproperlyConfigured(
        "Each SECRET_KEY_FALLBACKS entry must be a former SECRET_KEY (50+ random characters; "
        "entries are separated by commas, so a key cannot contain one)."
    )
if SECRET_KEY in SECRET_KEY_FALLBACKS:
    raise ImproperlyConfigured("SECRET_KEY_FALLBACKS holds the current SECRET_KEY: remove it.")

# The public address of the site, for links in e-mails and notifications sent by Wagtail.
_first_host = ALLOWED_HOSTS[0].lstrip(".")
WAGTAILADMIN_BASE_URL = env("WAGTAILADMIN_BASE_URL", default="") or (
    f"https://{_first_host}" if _first_host.strip("*") else "https://localhost"
)

# --- HTTPS (TLS ends at the proxy in front of gunicorn) -------------------------------------

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
# Container and load-balancer probes speak plain HTTP to the app itself.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# --- Database -------------------------------------------------------------------------------

DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

# --- Cache and sessions ---------------------------------------------------------------------

# CACHE_URL (Redis) is the one cache every gunicorn worker and every container shares. It
# must be shared: allauth counts its login/signup rate limits in the default cache, and a
# per-process cache would multiply every limit by the number of workers.
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    # Django's backend, keeping one client per pool (training_site/redis_cache.py).
    CACHES["default"]["BACKEND"] = "training_site.redis_cache.RedisCache"
    CACHES["default"].setdefault("OPTIONS", {})
    CACHES["default"]["OPTIONS"].setdefault("socket_connect_timeout", 2)
    CACHES["default"]["OPTIONS"].setdefault("socket_timeout", 2)
    CACHES["default"].setdefault("KEY_PREFIX", env("CACHE_KEY_PREFIX", default="migof"))
    # Sessions read from Redis, written through to the database (survive a cache flush).
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    SESSION_ENGINE = "django.contrib.sessions.backends.db"

# --- Logging: errors to the console (the container runtime collects them) -----------------

LOGGING["loggers"]["django.security"] = {  # noqa: F405
    "handlers": ["console"],
    "level": "WARNING",
    "propagate": False,
}
