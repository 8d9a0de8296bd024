"""Forms of the question bank's admin screens (the export screen's filters)."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from framework_content.models import FrameworkElementPage, Indicator
from training_site.ids import IdsChoiceField, parse_id

from .choices import Difficulty, QuestionKindChoices
from .models import Question
from .services import ExportFilters

FORMAT_CHOICES = [("xml", _("Moodle XML")), ("gift", _("GIFT"))]  # services.EXPORT_FORMATS
DEFAULT_FORMAT = "xml"
MAX_IDS = 2000  # a bulk selection is at most a listing page; "select all" sends no ids


class QuestionIdsField(forms.Field):
    """Question ids as repeated `?id=` parameters (from the listing's bulk action)."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value):
        if isinstance(value, str):
            value = [value]
        value = [str(item).strip() for item in value or () if str(item).strip()]
        bad = [item for item in value if parse_id(item) is None]
        if bad:
            raise forms.ValidationError(
                _("Question ids are whole numbers; these are not: %(ids)s."),
                code="invalid",
                params={"ids": ", ".join(f"“{item[:40]}”" for item in bad[:5])},
            )
        if len(value) > MAX_IDS:
            raise forms.ValidationError(
                _("Select at most %(max)d questions, or use the filters instead."),
                code="too_many",
                params={"max": MAX_IDS},
            )
        return sorted({int(item) for item in value})


class IndicatorChoiceField(IdsChoiceField):
    default_error_messages = {
        "invalid_choice": _("No indicator has the id %(value)s."),
        "invalid_pk_value": _("“%(pk)s” is not an indicator id."),
    }

    def label_from_instance(self, obj):
        return f"{obj.ref_id} {obj.title}"


class ElementChoiceField(IdsChoiceField):
    default_error_messages = {
        "invalid_choice": _("No MIGOF element has the id %(value)s."),
        "invalid_pk_value": _("“%(pk)s” is not a MIGOF element id."),
    }

    def label_from_instance(self, obj):
        return f"{obj} ({obj.locale.get_display_name()})"


class ExportForm(forms.Form):
    """Which questions to export, and to which format. Every filter is optional: none
    means the whole bank. Filters add up (a question must pass each one given); within
    one filter, any of the chosen values will do."""

    format = forms.ChoiceField(
        label=_("Format"),
        choices=FORMAT_CHOICES,
        initial=DEFAULT_FORMAT,
        widget=forms.RadioSelect,
        help_text=_("Moodle XML holds every kind of question; GIFT has no ordering questions."),
        error_messages={
            "invalid_choice": _("Unknown format %(value)s: choose Moodle XML or GIFT."),
        },
    )
    indicator = IndicatorChoiceField(
        label=_("Indicators"),
        queryset=Indicator.objects.all(),
        required=False,
        help_text=_("Questions that assess any of these indicators."),
    )
    element = ElementChoiceField(
        label=_("MIGOF elements"),
        queryset=FrameworkElementPage.objects.select_related("locale").order_by("path"),
        required=False,
        help_text=_("Questions filed under any of these principles or objectives."),
    )
    kind = forms.MultipleChoiceField(
        label=_("Kinds"),
        choices=QuestionKindChoices.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("Unknown kind of question: %(value)s.")},
    )
    difficulty = forms.MultipleChoiceField(
        label=_("Difficulty"),
        choices=Difficulty.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("Unknown difficulty: %(value)s.")},
    )
    language = forms.MultipleChoiceField(
        label=_("Language"),
        choices=settings.LANGUAGES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("Unknown language: %(value)s.")},
    )
    id = QuestionIdsField(label=_("Selected questions"), required=False)

    def __init__(self, data=None, *args, **kwargs):
        if data is not None and not data.get("format"):
            data = data.copy()
            data["format"] = DEFAULT_FORMAT  # the bulk action's link names ids only
        super().__init__(data, *args, **kwargs)

    def clean_id(self):
        ids = self.cleaned_data["id"]
        if ids:
            found = set(Question.objects.filter(pk__in=ids).values_list("pk", flat=True))
            if missing := [pk for pk in ids if pk not in found]:
                raise forms.ValidationError(
                    _("No question has the id %(ids)s (deleted since it was selected?)."),
                    code="unknown",
                    params={"ids": ", ".join(str(pk) for pk in missing[:10])},
                )
        return ids

    def filters(self) -> ExportFilters:
        data = self.cleaned_data
        return ExportFilters(
            ids=tuple(data["id"]),
            indicators=tuple(data["indicator"]),
            elements=tuple(data["element"]),
            kinds=tuple(data["kind"]),
            difficulties=tuple(data["difficulty"]),
            languages=tuple(data["language"]),
        )
