"""The site's own URLs plus the floor: a constant page served by the same server."""

from django.urls import path

from training_site.urls import *  # noqa: F403
from training_site.urls import urlpatterns as site_urlpatterns

from . import views

urlpatterns = [path("bench/floor/", views.floor, name="bench_floor"), *site_urlpatterns]
