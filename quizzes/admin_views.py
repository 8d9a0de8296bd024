"""The question bank's admin screens: import and export.

Import questions from a GIFT or Moodle XML file: upload, preview the report, confirm.
Nothing is saved at the preview. The uploaded bytes wait in the cache (keyed by a random
token and the user) until the user confirms; the file is parsed again then, and saved
through `services.import_questions`, all or nothing. Requires `quizzes.add_question`.

Export questions to Moodle XML or GIFT: a GET form of filters that shows the matching
questions (and those the format cannot hold, with why) before the download link, which
repeats the same query with `download=1`. Requires `quizzes.view_question`.
"""

from __future__ import annotations

import secrets

from django import forms
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from wagtail.admin import messages
from wagtail.admin.auth import permission_required

from framework_content.models import Indicator
from quizzes.formats._common import MAX_IMPORT_BYTES
from quizzes.formats.gift import parse_gift
from quizzes.formats.moodle_xml import parse_moodle_xml
from quizzes.formats.report import ImportReport

from . import services
from .admin_forms import FORMAT_CHOICES, ExportForm

PERMISSION = "quizzes.add_question"
TEMPLATE = "quizzes/admin/import.html"
EXPORT_PERMISSION = "quizzes.view_question"
EXPORT_TEMPLATE = "quizzes/admin/export.html"
EXPORT_FILES = {  # format: (file name suffix, content type)
    "xml": (".xml", "application/xml; charset=utf-8"),
    "gift": (".gift.txt", "text/plain; charset=utf-8"),
}
UPLOAD_TTL = 60 * 60  # seconds an uploaded file waits for confirmation
TEXT_EXTENSIONS = (".gift", ".txt")
XML_EXTENSIONS = (".xml",)


def _language_field():
    return forms.ChoiceField(
        label=gettext_lazy("Language"),
        choices=settings.LANGUAGES,
        initial=settings.LANGUAGE_CODE,
    )


def _indicator_field():
    return forms.ModelMultipleChoiceField(
        queryset=Indicator.objects.select_related("domain__framework").order_by("ref_id"),
        required=False,
        label=gettext_lazy("Default indicators"),
        help_text=gettext_lazy(
            "For questions whose tags name no indicator. Every question needs at least one."
        ),
    )


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Question file"),
        help_text=gettext_lazy("GIFT (.gift, .txt) or Moodle XML (.xml), at most 5 MB."),
    )
    default_indicators = _indicator_field()
    language = _language_field()

    def clean_file(self):
        upload = self.cleaned_data["file"]
        name = upload.name.lower()
        if not name.endswith(TEXT_EXTENSIONS + XML_EXTENSIONS):
            raise forms.ValidationError(
                _("Choose a .gift, .txt or .xml file (GIFT or Moodle XML).")
            )
        if upload.size > MAX_IMPORT_BYTES:
            raise forms.ValidationError(_("The file is larger than 5 MB; split it."))
        return upload


class ConfirmForm(forms.Form):
    token = forms.CharField(widget=forms.HiddenInput)
    default_indicators = _indicator_field()
    language = _language_field()
    allow_partial = forms.BooleanField(
        required=False,
        label=gettext_lazy("Import only the accepted questions"),
        help_text=gettext_lazy("The rejected questions above are left out."),
    )


def parse_file(name: str, data: bytes) -> ImportReport:
    if name.lower().endswith(XML_EXTENSIONS):
        return parse_moodle_xml(data)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return ImportReport.failed(
            _("This is not a UTF-8 text file. Save the GIFT file as UTF-8 text and try again.")
        )
    return parse_gift(text)


def _cache_key(user, token: str) -> str:
    return f"quizzes:import:{user.pk}:{token}"


def _render(request, **context):
    context.setdefault("page_title", _("Import questions"))
    context.setdefault("header_icon", "upload")
    return TemplateResponse(request, TEMPLATE, context)


def _preview(request, *, name, data, token, default_indicators, language, form=None, refused=None):
    report = parse_file(name, data)
    indicators = services.indicators_for(report, default_indicators)
    if form is None:
        form = ConfirmForm(initial={"token": token, "default_indicators": list(default_indicators)})
    return _render(
        request,
        report=report,
        rows=[(item, indicators.get(item.index)) for item in report.items],
        file_name=name,
        confirm_form=form,
        default_indicators=list(default_indicators),
        refused=refused,
    )


def import_questions_view(request):
    if not request.user.has_perm(PERMISSION):
        raise PermissionDenied
    if request.method != "POST":
        return _render(request, form=UploadForm())
    if "token" in request.POST:
        return _confirm(request)
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _render(request, form=form)
    upload = form.cleaned_data["file"]
    data = upload.read(MAX_IMPORT_BYTES + 1)
    token = secrets.token_urlsafe(16)
    cache.set(_cache_key(request.user, token), (upload.name, data), UPLOAD_TTL)
    return _preview(
        request,
        name=upload.name,
        data=data,
        token=token,
        default_indicators=form.cleaned_data["default_indicators"],
        language=form.cleaned_data["language"],
    )


def _confirm(request):
    form = ConfirmForm(request.POST)
    stored = None
    if form.is_valid():
        stored = cache.get(_cache_key(request.user, form.cleaned_data["token"]))
    if stored is None:
        messages.error(request, _("The uploaded file has expired or is missing. Upload it again."))
        return _render(request, form=UploadForm())
    name, data = stored
    default_indicators = form.cleaned_data["default_indicators"]
    report = parse_file(name, data)
    try:
        questions = services.import_questions(
            report=report,
            default_indicators=list(default_indicators),
            user=request.user,
            allow_partial=form.cleaned_data["allow_partial"],
            language=form.cleaned_data["language"],
        )
    except services.ImportRefused as refused:
        messages.error(request, _("Nothing was imported. Fix the problems listed below."))
        return _preview(
            request,
            name=name,
            data=data,
            token=form.cleaned_data["token"],
            default_indicators=default_indicators,
            language=form.cleaned_data["language"],
            form=form,
            refused=refused.problems,
        )
    cache.delete(_cache_key(request.user, form.cleaned_data["token"]))
    count = len(questions)
    messages.success(
        request,
        ngettext("%(count)d question imported.", "%(count)d questions imported.", count)
        % {"count": count},
    )
    return redirect(reverse("wagtailsnippets_quizzes_question:list"))


# --- export ----------------------------------------------------------------------------


@permission_required(EXPORT_PERMISSION)
def export_questions_view(request):
    """GET only: the filters, the matching questions, then the file (`download=1`)."""
    form = ExportForm(request.GET)
    context = {
        "page_title": _("Export questions"),
        "header_icon": "download",
        "form": form,
    }
    if not form.is_valid():
        return TemplateResponse(request, EXPORT_TEMPLATE, context)
    fmt = form.cleaned_data["format"]
    plan = services.plan_export(services.questions_for_export(form.filters()), fmt)
    if request.GET.get("download") and plan.included:
        return _export_file(plan)
    query = request.GET.copy()
    query.pop("download", None)
    query["download"] = "1"
    context.update(
        plan=plan,
        matched=len(plan.included) + len(plan.left_out),
        format_label=dict(FORMAT_CHOICES)[fmt],
        download_url=f"{request.path}?{query.urlencode()}",
        filtered=any(form.cleaned_data[name] for name in form.fields if name != "format"),
        selected_count=len(form.cleaned_data["id"]),
    )
    return TemplateResponse(request, EXPORT_TEMPLATE, context)


def _export_file(plan: services.ExportPlan) -> HttpResponse:
    suffix, content_type = EXPORT_FILES[plan.fmt]
    name = f"questions-{timezone.localdate():%Y%m%d}{suffix}"
    response = HttpResponse(plan.content(), content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response
