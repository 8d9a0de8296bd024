import re

from allauth.account.views import LogoutView
from django.conf import settings
from django.urls import include, path, re_path
from django.views.generic import RedirectView
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from accounts import views as account_views
from search import views as search_views

from . import views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    # Everyone logs in through allauth (rate-limited, then the TOTP step for staff), never
    # through Wagtail's own forms: the admin's, or the one for private pages (a plain Django
    # LoginView, which would let staff in with a password alone).
    path(
        "admin/login/",
        RedirectView.as_view(pattern_name="account_login", query_string=True),
        name="wagtailadmin_login_redirect",
    ),
    path(
        "_util/login/",
        RedirectView.as_view(pattern_name="account_login", query_string=True),
        name="wagtailcore_login_redirect",
    ),
    # Logging out is allauth's too (a POST; a GET asks to confirm). Wagtail's admin view
    # deletes the session cookie even on a GET it refuses with 405, so any page could log
    # a member of staff out with a link.
    path("admin/logout/", LogoutView.as_view(), name="wagtailadmin_logout_allauth"),
    path("admin/", include(wagtailadmin_urls)),
    path("accounts/", include("accounts.urls")),
    path("accounts/", include("allauth.urls")),
    path("documents/", include(wagtaildocs_urls)),
    path("i18n/setlang/", account_views.set_language, name="set_language"),
    path("search/", search_views.search, name="search"),
    path("search/suggest/", search_views.suggest, name="search_suggest"),
    path("", include("courses.urls")),
    path("", include("cohorts.urls")),
]

if settings.DEBUG or settings.SERVE_MEDIA:
    # Uploaded images (and their renditions) from the development server, or from gunicorn
    # where no other server publishes MEDIA_ROOT (SERVE_MEDIA); documents never
    # (views.development_media).
    urlpatterns += [
        re_path(
            rf"^{re.escape(settings.MEDIA_URL.lstrip('/'))}(?P<path>.*)$",
            views.development_media,
        )
    ]

urlpatterns += [path("", include(wagtail_urls))]

handler400 = "training_site.views.bad_request"
handler403 = "training_site.views.permission_denied"
# Not Django's: allauth reads it for its rate limits (allauth.core.internal.ratelimit).
handler429 = "training_site.views.too_many_requests"
handler404 = "training_site.views.page_not_found"
handler500 = "training_site.views.server_error"
