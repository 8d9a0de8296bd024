"""Settings shared by every environment.

Every value comes from the environment through one ``environ.Env`` reader, with defaults
that work on a bare machine (SQLite, tasks in-process, database search, console e-mail).
"""

from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONCE, NONE, SELF
from wagtail.embeds.oembed_providers import vimeo, youtube

PROJECT_DIR = Path(__file__).resolve().parent.parent
BASE_DIR = PROJECT_DIR.parent

env = environ.Env()

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env("SECRET_KEY", default="insecure-dev-key-change-me-in-production-0123456789")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    # Our apps first so their templates override allauth's and Wagtail's.
    "training_site",
    "accounts.apps.AccountsConfig",
    "framework_content",
    "courses",
    "quizzes",
    "case_studies",
    "search",
    "cohorts",
    # Wagtail
    "wagtail_localize",
    "wagtail_localize.locales",
    "wagtail.contrib.forms",
    "wagtail.contrib.routable_page",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.contrib.search_promotions",
    "wagtail.embeds",
    "wagtail.sites",
    "accounts.apps.UsersAppConfig",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_filters",
    "django_countries",
    # Accounts
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",  # each user's sessions, ended together (accounts/sessions.py)
    # Django
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "csp",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Content-Security-Policy (training_site/csp.py); around the page cache, so a kept page
    # gets the header of the request it is served to.
    "training_site.csp.SiteCSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Logs every 403 and 429 response to migof.security (accounts/security_log.py).
    "accounts.security_log.SecurityEventMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # Django's, with the signed-in person's user row kept between requests.
    "accounts.kept_user.AuthenticationMiddleware",
    "accounts.middleware.PreferredLanguageMiddleware",
    # A signed-in person's tokens (content, progress, answers, staff links) in one read.
    "training_site.content_cache.TokenPrefetchMiddleware",
    "accounts.middleware.StaffMFARequiredMiddleware",
    "accounts.middleware.SessionTrackingMiddleware",
    # Whole pages for visitors who are not signed in, until the content changes.
    "training_site.page_cache.AnonymousPageCacheMiddleware",
    "training_site.routing.CachedRouteMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
]

ROOT_URLCONF = "training_site.urls"
WSGI_APPLICATION = "training_site.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PROJECT_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
                "training_site.context_processors.site_navigation",
                "training_site.context_processors.staff_links",
                "csp.context_processors.nonce",
            ],
        },
    },
]

# --- Data -----------------------------------------------------------------------------------

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several gunicorn workers (or runserver's threads) writing at once: take the write
    # lock when a transaction starts (no "database is locked" on upgrading a read lock),
    # wait for it instead of failing, and let readers go on during a write (WAL).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=0))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}

# --- Accounts -------------------------------------------------------------------------------

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/"
ACCOUNT_LOGOUT_REDIRECT_URL = "/"

ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_FORMS = {"signup": "accounts.forms.SignupForm"}
ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
# allauth's rate limits are on by default; they count in the default cache (Redis in
# production). Stated explicitly so nobody switches them off by accident.
ACCOUNT_RATE_LIMITS = {
    "login_failed": "5/m/ip,5/5m/key",
    "login": "30/m/ip",
    "signup": "20/m/ip",
    "confirm_email": "1/3m/key",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "change_password": "5/m/user",
    # Cohort join codes (cohorts/invite_views.py): per user, so a training room behind one
    # address is not blocked, while one account cannot try codes by the thousand.
    "join_cohort": "20/m/user",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "MIGOF Academy"

# Wagtail's login goes through allauth (rate-limited), see accounts.middleware.
WAGTAIL_FRONTEND_LOGIN_URL = "/accounts/login/"
WAGTAILADMIN_LOGIN_URL = "/accounts/login/"

# --- Internationalisation -------------------------------------------------------------------

LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", "English"),
    ("fr", "Français"),
    ("es", "Español"),
]
WAGTAIL_I18N_ENABLED = True
WAGTAIL_CONTENT_LANGUAGES = LANGUAGES
WAGTAILADMIN_PERMITTED_LANGUAGES = LANGUAGES
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static and media -----------------------------------------------------------------------

STATICFILES_DIRS = [PROJECT_DIR / "static"]
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATIC_URL = "/static/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
MEDIA_URL = "/media/"
# Serve uploaded images under MEDIA_URL from Django itself, also with DEBUG off: for a stack
# with no web server in front that publishes MEDIA_ROOT (the docker compose stack). Documents
# are never served from there, only by Wagtail's serve view.
SERVE_MEDIA = env.bool("SERVE_MEDIA", default=False)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    # Trainers' exports (learners' names and results): never under MEDIA_URL, downloaded
    # only through the workspace's access-checked view (cohorts/export_views.py).
    "exports": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": env.path("EXPORTS_ROOT", default=BASE_DIR / "var" / "exports")},
    },
}
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000

# --- Wagtail --------------------------------------------------------------------------------

WAGTAIL_SITE_NAME = "MIGOF Academy"
WAGTAILADMIN_BASE_URL = env("WAGTAILADMIN_BASE_URL", default="http://127.0.0.1:8000")
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "odt", "pdf", "pptx", "txt", "xlsx"]
WAGTAILDOCS_MAX_UPLOAD_SIZE = 20 * 1024 * 1024
WAGTAILIMAGES_EXTENSIONS = ["gif", "jpg", "jpeg", "png", "webp"]
WAGTAILIMAGES_MAX_UPLOAD_SIZE = 10 * 1024 * 1024
# Documents only through Wagtail's serve view (attachment, nosniff, "default-src 'none'"),
# never from MEDIA_URL (training_site/urls.py serves no documents/ folder, even in DEBUG).
WAGTAILDOCS_SERVE_METHOD = "serve_view"
# Embeds (the lessons' video block) only from these two video providers: their oEmbed answer
# is an iframe from a host the CSP's frame-src names (EMBED_FRAME_SOURCES); no other
# provider's HTML (scripts, rich cards) can be put into a page.
WAGTAILEMBEDS_FINDERS = [{"class": "wagtail.embeds.finders.oembed", "providers": [youtube, vimeo]}]
WAGTAIL_PASSWORD_MANAGEMENT_ENABLED = False
WAGTAILSEARCH_BACKENDS = {
    "default": {"BACKEND": "wagtail.search.backends.database"},
}
ELASTICSEARCH_URL = env("ELASTICSEARCH_URL", default="")
ELASTICSEARCH_INDEX_PREFIX = env("ELASTICSEARCH_INDEX_PREFIX", default="migof_")
if ELASTICSEARCH_URL:
    WAGTAILSEARCH_BACKENDS["default"] = {
        "BACKEND": "wagtail.search.backends.elasticsearch8",
        "URLS": [ELASTICSEARCH_URL],
        "INDEX_PREFIX": ELASTICSEARCH_INDEX_PREFIX,
        "TIMEOUT": 5,
    }

# Wagtail 8 enqueues its own work (search index, reference index, file deletion) through
# django-tasks on post_save, *before* the transaction commits. A broker-backed runner could
# then read stale rows, so these tasks run in-process, inside the request that caused them.
# Our own slow jobs run on Celery, enqueued with transaction.on_commit (see README).
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

# --- Celery ---------------------------------------------------------------------------------

CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="")
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=CELERY_BROKER_URL or None)
# Without a broker every task runs eagerly, in-process: the bare machine needs no services.
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# With Redis as broker, a message a worker has taken stays in Redis, unacknowledged, until
# its task ends (acks_late). A worker stopped politely (SIGTERM) finishes or gives back its
# messages; a pool child killed alone has its message requeued at once by the parent
# (REJECT_ON_WORKER_LOST). A whole worker killed without a word (SIGKILL, out of memory, a
# container killed) gives nothing back: another worker hands the message out again once it
# has been unacknowledged for `visibility_timeout` seconds (kombu's default: an hour), and
# looks for such messages every `unacked_restore_interval` seconds. The timeout must outlast
# the longest task (exports) and retry countdown (seconds here), or a task still running is
# handed to a second worker too: our tasks are idempotent, so that costs work, not data.
_visibility_timeout = env.int("CELERY_VISIBILITY_TIMEOUT", default=15 * 60)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": _visibility_timeout,
    "unacked_restore_interval": max(1, min(10, _visibility_timeout // 3)),
    "unacked_restore_throttle": 1,  # scan on every interval (kombu's default: every 10th)
}
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE = {
    # Quiz attempts whose time ran out are closed with what was saved (quizzes/attempts.py).
    "close-overdue-quiz-attempts": {
        "task": "quizzes.tasks.close_overdue_attempts_task",
        "schedule": 60.0,
    },
    # Results withheld until their quiz closed are released (quizzes/attempts.py).
    "release-due-quiz-results": {
        "task": "quizzes.tasks.release_due_results_task",
        "schedule": 60.0,
    },
    # Trainer workspace (cohorts/tasks.py): the weekly digest on Monday morning (UTC),
    # and expired export files removed daily.
    "cohort-weekly-digest": {
        "task": "cohorts.tasks.weekly_digest_task",
        "schedule": crontab(minute=0, hour=6, day_of_week="mon"),
    },
    "purge-expired-exports": {
        "task": "cohorts.tasks.purge_expired_exports_task",
        "schedule": crontab(minute=30, hour=3),
    },
}

# --- Trainer workspace ----------------------------------------------------------------------

# Export files are deleted this many days after they were prepared.
EXPORT_RETENTION_DAYS = env.int("EXPORT_RETENTION_DAYS", default=7)
# Cohort CSV uploads larger than this are refused before reading.
COHORT_UPLOAD_MAX_BYTES = 2 * 1024 * 1024

# --- Quizzes --------------------------------------------------------------------------------

# Answers saved or submitted up to this many seconds after a timed attempt's deadline still
# count (a slow connection at the last second); after that the attempt closes as saved.
QUIZ_GRACE_SECONDS = env.int("QUIZ_GRACE_SECONDS", default=60)

# --- E-mail ---------------------------------------------------------------------------------

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="MIGOF Academy <no-reply@example.org>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Security -------------------------------------------------------------------------------

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy (django-csp 4, training_site/csp.py). The site: scripts and styles
# from this origin or carrying the response's nonce ({{ CSP_NONCE }}), never 'unsafe-inline';
# so no inline style="" or on…= handler either. Video embeds (framework_content VideoBlock)
# are iframes from the two providers WAGTAILEMBEDS_FINDERS allows.
EMBED_FRAME_SOURCES = [
    "https://www.youtube.com",
    "https://www.youtube-nocookie.com",
    "https://player.vimeo.com",
]
SITE_CSP_DIRECTIVES = {
    "default-src": [SELF],
    "script-src": [SELF, NONCE],
    "style-src": [SELF, NONCE],
    "img-src": [SELF, "data:"],
    "frame-src": [SELF, *EMBED_FRAME_SOURCES],
    "object-src": [NONE],
    "base-uri": [SELF],
    "frame-ancestors": [NONE],
    "form-action": [SELF],
}
CONTENT_SECURITY_POLICY = {"DIRECTIVES": SITE_CSP_DIRECTIVES}
# Wagtail's admin (/admin/) writes inline scripts and styles: the site's policy is reported
# there, not enforced (the browser's console names what it would block), and what cannot
# break the admin is enforced. Its page previews are framed by the admin itself.
ADMIN_CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": None,
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [SELF],
        "form-action": [SELF],
    }
}
ADMIN_CONTENT_SECURITY_POLICY_REPORT_ONLY = {
    "DIRECTIVES": {**SITE_CSP_DIRECTIVES, "frame-ancestors": [SELF]}
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False},
        "django_tasks": {"level": "WARNING"},
        "wagtail": {"level": "WARNING"},
        # Log-ins, failures, log-outs, 403s, rate limits (accounts/security_log.py).
        "migof.security": {"level": "INFO"},
    },
}
