import pytest


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Build the knowledge base once per session, right after the migrations.

    Each test runs in a transaction that is rolled back, so every test starts from the
    loaded framework. Transactional tests (pytest-django runs them last) empty the
    database and load what they need themselves.
    """
    from framework_content.loading import load_framework

    with django_db_blocker.unblock():
        load_framework()


@pytest.fixture
def framework(db):
    """The knowledge base as `load_framework` builds it from the reference file: the home page."""
    from wagtail.models import Site

    from framework_content.loading import load_framework

    site = Site.objects.filter(is_default_site=True).select_related("root_page").first()
    if site is None or site.root_page.specific_class.__name__ != "HomePage":
        from tests.sitebase import ensure_site_base

        ensure_site_base()  # after a transactional test emptied the database
        load_framework()
        site = Site.objects.get(is_default_site=True)
    return site.root_page.specific


@pytest.fixture(autouse=True)
def _fresh_cache():
    """The cache is not rolled back with the database: Wagtail's site root paths and
    allauth's rate-limit counters must not leak from one test into the next."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def staff_mfa(db):
    """`staff_mfa(user)` gives a staff user TOTP, so the admin lets them in (tests/mfa.py)."""
    from tests.mfa import activate_totp

    return activate_totp


@pytest.fixture(autouse=True)
def _force_login_is_a_complete_log_in(monkeypatch):
    """`client.force_login(user)` stands for a completed log-in, which for a user with TOTP
    includes the code step: the session records it (tests/mfa.py), so the admin lets staff
    in as after a real log-in. A session signed in before its user had TOTP has no such
    record (tests/security/test_staff_mfa.py)."""
    from django.test import Client

    from accounts.mfa import user_has_mfa
    from tests.mfa import record_mfa_step

    original = Client._login

    def _login(self, user, backend=None):
        original(self, user, backend)
        if user_has_mfa(user):
            session = self.session
            record_mfa_step(session, user)
            session.save()

    monkeypatch.setattr(Client, "_login", _login)


@pytest.fixture(autouse=True)
def _interface_language_reset():
    """Every test starts in the default language. A request leaves the language its
    middleware chose (a learner's preferred language, the language cookie) active in the
    thread, as Django's own LocaleMiddleware does; code a later test calls outside a
    request (a search's messages, say) would otherwise speak French."""
    from django.utils import translation

    yield
    translation.deactivate()
