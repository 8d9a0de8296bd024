from allauth.account.adapter import DefaultAccountAdapter
from django.contrib.auth.models import Group

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
