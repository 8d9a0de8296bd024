from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods, require_POST
from django.views.i18n import set_language as django_set_language

from .profile import ProfileForm


@login_required
@require_http_methods(["GET", "POST"])
def profile(request):
    """The signed-in person's own profile; nobody else's is reachable here."""
    data = request.POST if request.method == "POST" else None  # an empty POST is still a POST
    form = ProfileForm(data, instance=request.user)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        translation.activate(user.preferred_language)
        messages.success(request, _("Your profile has been saved."))
        response = redirect("accounts_profile")
        response.set_cookie("django_language", user.preferred_language, samesite="Lax")
        return response
    return render(request, "accounts/profile.html", {"form": form})


# Cached visitor pages carry no token; CSRF is checked for signed-in people below, and a
# forged post only switches a visitor's language.
# nosemgrep: migof-csrf-exempt -- see the line above
@require_POST
@csrf_exempt
def set_language(request):
    """Django's language switch; for a signed-in person it also becomes their preference.

    The CSRF token is checked for signed-in people only: the form has none for visitors,
    whose pages are kept whole for everyone (training_site.page_cache). What a forged post
    can do to a visitor is switch the language of the pages they are shown, nothing more.
    """
    if request.user.is_authenticated:
        return _set_signed_in_language(request)
    return django_set_language(request)


@csrf_protect
def _set_signed_in_language(request):
    response = django_set_language(request)
    language = request.POST.get("language", "")
    if request.user.is_authenticated and language in dict(settings.LANGUAGES):
        request.user.preferred_language = language
        request.user.save(update_fields=["preferred_language"])
    return response
