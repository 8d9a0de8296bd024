from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context
from django.contrib.auth.models import Group

from . import security_log
from .choices import Role

PROFILE_FIELDS = ("full_name", "country", "organisation", "position", "preferred_language")


class AccountAdapter(DefaultAccountAdapter):
    def save_user(self, request, user, form, commit=True):
        user = super().save_user(request, user, form, commit=False)
        for name in PROFILE_FIELDS:
            if name in form.cleaned_data:
                setattr(user, name, form.cleaned_data[name] or "")
        if commit:
            user.save()
            trainees, _ = Group.objects.get_or_create(name=Role.TRAINEES.value)
            user.groups.add(trainees)
        return user

    def validation_error(self, code, *args):
        if code == "too_many_login_attempts":
            # allauth refuses the log-in (password or two-factor code) with a form error.
            security_log.log_refused_login(self.request or context.request)
        return super().validation_error(code, *args)
