"""The reminder form: which trainees of this cohort to remind, and a short personal note."""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from training_site.ids import IdsChoiceField, parse_id

from . import followup
from .models import Cohort
from .notifications import Candidate, Candidates

MESSAGE_MAX_LENGTH = 1000
NOT_A_MEMBER = _("Only trainees of this cohort can be reminded. Reload the page and try again.")


class RemindForm(forms.Form):
    """Only members of `cohort` can be chosen: any other id (another cohort's trainee, a
    made-up number, text) is a form error and nothing is sent."""

    trainees = IdsChoiceField(
        label=_("Trainees to remind"),
        queryset=get_user_model().objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": _("Choose at least one trainee to remind."),
            "invalid_choice": NOT_A_MEMBER,
            "invalid_pk_value": NOT_A_MEMBER,
            "invalid_list": _("Choose trainees from the list."),
        },
    )
    message = forms.CharField(
        label=_("Personal message (optional)"),
        required=False,
        max_length=MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_(
            "Plain text, up to 1,000 characters. It is added to each e-mail under your name."
        ),
    )

    def __init__(self, *args, cohort: Cohort, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["trainees"].queryset = (
            get_user_model()
            .objects.filter(cohort_memberships__cohort=cohort)
            .order_by("full_name", "email")
        )

    def chosen_ids(self) -> set[int]:
        """The user ids ticked in the page as shown: what was posted, else the initial
        choice. Values that are not ids are ignored here (the field reports them)."""
        if self.is_bound:
            widget = self.fields["trainees"].widget
            values = widget.value_from_datadict(self.data, self.files, self.add_prefix("trainees"))
            values = values or ()
        else:
            values = self.initial.get("trainees", ())
        return {pk for pk in map(parse_id, values) if pk is not None}


@dataclass(frozen=True)
class Entry:
    candidate: Candidate
    checked: bool

    @property
    def user(self):
        return self.candidate.user


@dataclass(frozen=True)
class Group:
    """One fieldset of the form: the trainees behind schedule, or the inactive ones."""

    key: str
    legend: str
    description: str
    entries: list[Entry]


def candidate_groups(form: RemindForm, candidates: Candidates) -> list[Group]:
    chosen = form.chosen_ids()

    def entries(group: list[Candidate]) -> list[Entry]:
        return [Entry(candidate=c, checked=c.user.pk in chosen) for c in group]

    groups = []
    if candidates.behind:
        groups.append(
            Group(
                key="behind",
                legend=gettext("Behind schedule"),
                description=gettext(
                    "More than %(margin)d points below the progress expected by now."
                )
                % {"margin": followup.BEHIND_MARGIN},
                entries=entries(candidates.behind),
            )
        )
    if candidates.inactive:
        groups.append(
            Group(
                key="inactive",
                legend=gettext("Inactive, not behind"),
                description=gettext(
                    "Nothing done for %(days)d days or more, though not behind schedule yet."
                )
                % {"days": followup.INACTIVE_DAYS},
                entries=entries(candidates.inactive),
            )
        )
    return groups
