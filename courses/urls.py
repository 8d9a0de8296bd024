from django.urls import path

from . import views

urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("learning/courses/<id:course_id>/enrol/", views.enrol, name="course_enrol"),
    path("learning/courses/<id:course_id>/leave/", views.leave, name="course_leave"),
    path("learning/items/<id:page_id>/complete/", views.complete_item, name="item_complete"),
    path(
        "certificates/<str:code>/download/",
        views.certificate_download,
        name="certificate_download",
    ),
    path("certificates/verify/<str:code>/", views.certificate_verify, name="certificate_verify"),
]
