"""Certificates in the Wagtail admin: Administrators list, search, filter, inspect and revoke.

No certificate is added, edited or deleted here: certificates are issued by
`services.issue_certificate` when a course is completed, and the only change an
Administrator makes is to revoke one, with a reason, through `services.revoke_certificate`.
Every view requires `courses.change_certificate`, which only Administrators (and
superusers) hold.
"""

from __future__ import annotations

import django_filters
from django import forms
from django.contrib.admin.utils import quote
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.generic.edit import FormView
from wagtail.admin import messages
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.menus import MenuItem
from wagtail.admin.ui.tables import StatusTagColumn
from wagtail.admin.views import generic
from wagtail.admin.views.generic.base import BaseObjectMixin, WagtailAdminTemplateMixin
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets.button import Button

from . import services
from .models import Certificate

ICON = "doc-full"
REQUIRED_PERMISSION = "change"
VALID, REVOKED = "valid", "revoked"
STATUS_CHOICES = [(VALID, _("Valid")), (REVOKED, _("Revoked"))]


def status_label(certificate: Certificate) -> str:
    return gettext("Valid") if certificate.is_valid else gettext("Revoked")


class CertificateFilterSet(WagtailFilterSet):
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=STATUS_CHOICES, method="filter_status", empty_label=_("All")
    )

    class Meta:
        model = Certificate
        fields: list[str] = []

    def filter_status(self, queryset, name, value):
        return queryset.filter(revoked_at__isnull=(value == VALID))


class RevokeCertificateForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for revoking"),
        max_length=Certificate._meta.get_field("revoked_reason").max_length,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Kept with the certificate. The public verification page says it is revoked."),
    )

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(_("Give a reason for revoking this certificate."))
        return reason


class RevokeUrlMixin:
    revoke_url_name: str | None = None

    def get_revoke_url(self, instance: Certificate) -> str | None:
        if self.revoke_url_name and instance.is_valid:
            return reverse(self.revoke_url_name, args=[quote(instance.pk)])
        return None


class CertificateIndexView(RevokeUrlMixin, generic.IndexView):
    any_permission_required = [REQUIRED_PERMISSION]

    def get_list_more_buttons(self, instance: Certificate):
        buttons = super().get_list_more_buttons(instance)
        if revoke_url := self.get_revoke_url(instance):
            buttons.append(MenuItem(_("Revoke"), url=revoke_url, icon_name="cross", priority=40))
        return buttons


class CertificateInspectView(RevokeUrlMixin, generic.InspectView):
    any_permission_required = [REQUIRED_PERMISSION]

    @cached_property
    def header_more_buttons(self):
        buttons = list(super().header_more_buttons)
        if revoke_url := self.get_revoke_url(self.object):
            buttons.append(Button(_("Revoke"), url=revoke_url, icon_name="cross", priority=30))
        return buttons

    def get_revoked_reason_display_value(self) -> str:
        return self.object.revoked_reason or "-"


class RevokeCertificateView(
    PermissionCheckedMixin, BaseObjectMixin, WagtailAdminTemplateMixin, FormView
):
    """Ask for a reason, then revoke through the service. Revoking twice changes nothing."""

    model = Certificate
    permission_required = REQUIRED_PERMISSION
    form_class = RevokeCertificateForm
    template_name = "courses/admin/revoke.html"
    page_title = _("Revoke certificate")
    header_icon = ICON
    index_url_name: str | None = None
    inspect_url_name: str | None = None

    def get_page_subtitle(self) -> str:
        return str(self.object)

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse(self.index_url_name), "label": _("Certificates")},
            {"url": "", "label": self.get_page_title(), "sublabel": self.get_page_subtitle()},
        ]

    def get_success_url(self) -> str:
        return reverse(self.index_url_name)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            certificate=self.object,
            cancel_url=reverse(self.inspect_url_name, args=[quote(self.object.pk)]),
            submit_button_label=_("Revoke certificate"),
        )
        return context

    def post(self, request, *args, **kwargs):
        if not self.object.is_valid:
            messages.warning(request, gettext("This certificate was already revoked."))
            return redirect(self.get_success_url())
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        certificate = services.revoke_certificate(
            certificate_id=self.object.pk,
            reason=form.cleaned_data["reason"],
            now=timezone.now(),
        )
        messages.success(
            self.request,
            gettext("Certificate %(code)s has been revoked.") % {"code": certificate.code},
        )
        return redirect(self.get_success_url())

    def form_invalid(self, form):
        messages.validation_error(
            self.request, gettext("The certificate was not revoked. Give a reason."), form
        )
        return super().form_invalid(form)


class CertificateViewSet(ModelViewSet):
    model = Certificate
    icon = ICON
    menu_label = _("Certificates")
    menu_order = 850
    add_to_admin_menu = True
    index_view_class = CertificateIndexView
    inspect_view_class = CertificateInspectView
    revoke_view_class = RevokeCertificateView
    inspect_view_enabled = True
    copy_view_enabled = False
    list_display = [
        "code",
        "learner_name",
        "course_title",
        "completed_on",
        "issued_at",
        StatusTagColumn(
            "status",
            label=_("Status"),
            accessor=status_label,
            primary=lambda certificate: certificate.is_valid,
        ),
    ]
    filterset_class = CertificateFilterSet
    search_fields = ["code", "learner_name"]
    ordering = "-issued_at"
    inspect_view_fields = [
        "code",
        "learner_name",
        "course_title",
        "elements_covered",
        "completed_on",
        "issued_at",
        "revoked_at",
        "revoked_reason",
    ]

    def get_common_view_kwargs(self, **kwargs):
        # Only the views in get_urlpatterns exist: no add, edit, delete, history or usage.
        return super().get_common_view_kwargs(
            **{
                "add_url_name": None,
                "edit_url_name": None,
                "delete_url_name": None,
                "history_url_name": None,
                "usage_url_name": None,
                **kwargs,
            }
        )

    def get_index_view_kwargs(self, **kwargs):
        return super().get_index_view_kwargs(revoke_url_name=self.get_url_name("revoke"), **kwargs)

    def get_inspect_view_kwargs(self, **kwargs):
        return super().get_inspect_view_kwargs(
            revoke_url_name=self.get_url_name("revoke"), **kwargs
        )

    @property
    def revoke_view(self):
        return self.construct_view(
            self.revoke_view_class,
            inspect_url_name=self.get_url_name("inspect"),
        )

    @property
    def url_finder_class(self):
        finder = super().url_finder_class
        finder.edit_url_name = self.get_url_name("inspect")
        return finder

    def get_permissions_to_register(self):
        # Only "change" guards these views; "add" and "delete" would grant nothing.
        return super().get_permissions_to_register().filter(codename="change_certificate")

    def get_urlpatterns(self):
        return [
            path("", self.index_view, name="index"),
            path("results/", self.index_results_view, name="index_results"),
            path("inspect/<int:pk>/", self.inspect_view, name="inspect"),
            path("revoke/<int:pk>/", self.revoke_view, name="revoke"),
        ]
