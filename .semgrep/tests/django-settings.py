# Fixtures for .semgrep/rules/django-settings.yml, checked by `semgrep --test` (make security).
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

# ruleid: migof-debug-true
DEBUG = True
# ok: migof-debug-true
DEBUG = False


def configure(settings, env):
    # ruleid: migof-debug-true
    settings.DEBUG = True
    # ok: migof-debug-true
    settings.DEBUG = env.bool("DEBUG", default=False)


# ruleid: migof-csrf-exempt
@csrf_exempt
def webhook(request):
    return request


# ruleid: migof-csrf-exempt
@require_POST
@csrf_exempt
def other_webhook(request):
    return request


def wrapped(view):
    # ruleid: migof-csrf-exempt
    return csrf_exempt(view)


# With its reason, an audited use passes.
# ok: migof-csrf-exempt
# nosemgrep: migof-csrf-exempt -- GET only, changes nothing
@csrf_exempt
def probe(request):
    return request


# ok: migof-csrf-exempt
@require_POST
def protected(request):
    return request
