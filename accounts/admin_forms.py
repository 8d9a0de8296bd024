"""Wagtail admin forms for our user model (e-mail login, one full-name field)."""

from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.users.forms import UserCreationForm as WagtailUserCreationForm
from wagtail.users.forms import UserEditForm as WagtailUserEditForm

EXTRA_FIELDS = ("full_name", "country", "organisation", "position", "preferred_language")


class UserCreationForm(WagtailUserCreationForm):
    first_name = None
    last_name = None
    full_name = forms.CharField(label=_("Full name"), max_length=200)

    class Meta(WagtailUserCreationForm.Meta):
        fields = {"email", "is_superuser", "groups", *EXTRA_FIELDS}


class UserEditForm(WagtailUserEditForm):
    first_name = None
    last_name = None
    full_name = forms.CharField(label=_("Full name"), max_length=200)

    class Meta(WagtailUserEditForm.Meta):
        fields = {"email", "is_active", "is_superuser", "groups", *EXTRA_FIELDS}
