"""Wiring into Wagtail: lessons (and later quizzes) learn about courses through hooks, so
framework_content never imports this app."""

from django.utils import timezone
from wagtail import hooks

from . import services
from .learning_panel import learning_panel
from .registry import item_model_labels
from .selectors import learner_progress


def _is_item(page) -> bool:
    return f"{page._meta.app_label}.{page._meta.model_name}" in item_model_labels()


@hooks.register("before_serve_page")
def record_item_started(page, request, serve_args, serve_kwargs):
    """A lesson is started when a signed-in learner views it (written once: a return visit
    finds it in the learner's progress, without a query)."""
    if request.method == "GET" and request.user.is_authenticated and _is_item(page):
        if page.pk not in learner_progress(request.user).started:
            services.start_item(user=request.user, page=page, now=timezone.now())


@hooks.register("course_item_context")
def course_item_context(page, request):
    return {"learning": learning_panel(page, request)}


@hooks.register("register_admin_viewset")
def register_certificate_viewset():
    """Certificates: Administrators list, search, filter and revoke them."""
    from .admin_views import CertificateViewSet

    return CertificateViewSet("certificates")
