from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.choices import Role
from courses.models import CoursePage
from training_site.ids import IdChoiceField

from .models import Cohort


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class CohortForm(forms.ModelForm):
    """Create or edit a cohort. Whoever creates it becomes one of its trainers (the view
    adds them); an existing cohort keeps at least one trainer."""

    class Meta:
        model = Cohort
        fields = [
            "name",
            "course",
            "country",
            "region",
            "host_organisation",
            "starts_on",
            "ends_on",
            "trainers",
            "joining_open",
        ]
        field_classes = {"course": IdChoiceField}
        widgets = {
            "starts_on": DateInput(),
            "ends_on": DateInput(),
            "trainers": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["course"].queryset = CoursePage.objects.live().order_by("title")
        self.fields["trainers"].queryset = (
            get_user_model()
            .objects.filter(
                Q(groups__name__in=[Role.TRAINERS, Role.ADMINISTRATORS]) | Q(pk=user.pk),
                is_active=True,
            )
            .distinct()
            .order_by("full_name", "email")
        )
        self.fields["trainers"].required = False
        self.fields["trainers"].label_from_instance = lambda u: u.get_full_name() or u.email
        self.fields["trainers"].help_text = _(
            "Who runs this cohort with you. Only they see its trainees and results."
        )

    def clean(self):
        cleaned = super().clean()
        starts_on, ends_on = cleaned.get("starts_on"), cleaned.get("ends_on")
        if starts_on and ends_on and ends_on < starts_on:
            self.add_error("ends_on", _("The end date cannot be before the start date."))
        if self.instance.pk and not cleaned.get("trainers"):
            self.add_error("trainers", _("A cohort needs at least one trainer."))
        return cleaned
