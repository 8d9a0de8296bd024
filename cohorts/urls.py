from django.urls import path

from . import cohort_views, export_views, invite_views, remind_views, report_views, views

app_name = "cohorts"

urlpatterns = [
    # The trainer workspace (signed-in trainers and administrators; see access.py).
    path("trainer/", views.home, name="home"),
    path("trainer/cohorts/new/", views.create, name="create"),
    path("trainer/cohorts/<int:cohort_id>/", cohort_views.detail, name="detail"),
    path("trainer/cohorts/<int:cohort_id>/edit/", views.edit, name="edit"),
    path("trainer/cohorts/<int:cohort_id>/invite/", invite_views.invite, name="invite"),
    path("trainer/cohorts/<int:cohort_id>/remind/", remind_views.remind, name="remind"),
    path(
        "trainer/cohorts/<int:cohort_id>/quizzes/<int:quiz_id>/",
        cohort_views.quiz_statistics,
        name="quiz_statistics",
    ),
    path("trainer/cohorts/<int:cohort_id>/export/", export_views.cohort_export, name="export"),
    path("trainer/reports/", report_views.programme_report, name="report"),
    path("trainer/reports/export/", export_views.report_export, name="report_export"),
    path("trainer/exports/<int:job_id>/", export_views.status, name="export_status"),
    path("trainer/exports/<int:job_id>/download/", export_views.download, name="export_download"),
    # Trainees (signed in): join a cohort with its code or link; invited people accept.
    path("join/", invite_views.join_form, name="join_form"),
    path("join/<str:code>/", invite_views.join, name="join"),
    path("invitation/<uidb64>/<token>/", invite_views.accept_invitation, name="accept_invitation"),
]
