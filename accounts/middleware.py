from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext


class PreferredLanguageMiddleware:
    """A signed-in person sees the interface in their preferred language, on every device.

    Runs after AuthenticationMiddleware; anonymous visitors keep LocaleMiddleware's choice
    (language cookie, then the browser's Accept-Language).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.preferred_language:
            translation.activate(user.preferred_language)
            request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", translation.get_language())
        return response


class StaffMFARequiredMiddleware:
    """Staff (Trainers, Editors, Administrators, superusers) reach the admin and the trainer
    pages only with two-factor authentication set up and passed in the session they use.

    A signed-in staff user who asks for a page under ``/admin/`` or ``/trainer/`` is sent
    to allauth's TOTP activation page when they have no authenticator app, or to its
    code page (``mfa_reauthenticate``, back here afterwards) when they have one but this
    session never passed the code step (accounts.mfa.session_passed_mfa: it signed in
    before TOTP was set up elsewhere, or by a way that skipped it). Everything else (the
    public site, their profile, log-out, the MFA pages themselves, ``/healthz``, static
    files) stays reachable. Once TOTP is on, allauth asks for a code at every log-in.

    The check runs in ``process_view``, after MessageMiddleware has attached its storage, so
    this middleware can sit next to PreferredLanguageMiddleware in ``MIDDLEWARE``. (A path
    that resolves to no view is a 404 anyway: there is nothing behind it to protect.)
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        from .mfa import (
            MFA_REQUIRED_PATH_PREFIXES,
            session_passed_mfa,
            user_has_mfa,
            user_requires_mfa,
        )

        if not request.path_info.startswith(MFA_REQUIRED_PATH_PREFIXES):
            return None
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None  # Wagtail (or the view) sends them to log in
        if session_passed_mfa(request, user) or not user_requires_mfa(user):
            return None  # no query for staff who passed; one for anyone else
        if user_has_mfa(user):
            messages.warning(
                request,
                gettext(
                    "Enter a code from your authenticator app to continue to the admin or "
                    "the trainer pages."
                ),
            )
            return redirect_to_login(
                request.get_full_path(), login_url=reverse("mfa_reauthenticate")
            )
        messages.warning(
            request,
            gettext(
                "Staff accounts need two-factor authentication before they can use the "
                "admin or the trainer pages. Set up an authenticator app below, then keep "
                "the recovery codes you are shown somewhere safe."
            ),
        )
        return redirect("mfa_activate_totp")


class SessionTrackingMiddleware:
    """Records a signed-in session again when its key has changed since it was recorded
    (Django cycles the key on a password change), so ending a person's sessions finds it
    (accounts.sessions). No query unless the key changed: the session carries the key it
    was recorded under."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        # A session nothing read in this request (a cached page) cannot have signed in.
        if session is None or not session.accessed or not session.session_key:
            return response
        from .sessions import is_tracked, track

        user = getattr(request, "user", None)
        if not is_tracked(session) and user is not None and user.is_authenticated:
            track(request, user)
        return response
