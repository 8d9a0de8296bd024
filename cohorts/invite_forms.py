"""Forms for getting trainees into a cohort. Each form only reads what was sent; the reading
itself is in ``invitations`` (pure), the writing in its services."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

from . import invitations

# A pasted list: 2,000 long addresses and names fit comfortably.
ADDRESS_LIST_MAX_LENGTH = 200_000


class AddressListForm(forms.Form):
    """E-mail addresses typed or pasted from a mail program."""

    prefix = "list"

    addresses = forms.CharField(
        label=_("E-mail addresses"),
        widget=forms.Textarea(attrs={"rows": 8, "spellcheck": "false", "autocomplete": "off"}),
        max_length=ADDRESS_LIST_MAX_LENGTH,
        help_text=_(
            "One per line, or separated by commas or semicolons. “Name <address>”, as mail "
            "programs copy them, also works."
        ),
    )

    def clean_addresses(self) -> invitations.Parsed:
        try:
            return invitations.parse_address_list(self.cleaned_data["addresses"])
        except invitations.Refused as refused:
            raise forms.ValidationError(refused.message) from None


class CsvUploadForm(forms.Form):
    """A CSV file with one person per row."""

    prefix = "csv"

    upload = forms.FileField(
        label=_("CSV file"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["upload"].help_text = _(
            "Saved as “CSV UTF-8”, at most %(size)s and %(rows)s people. The first row names "
            "the columns: email (required), and if you wish full_name, country (such as SN "
            "or Senegal), organisation, position, language (en, fr or es)."
        ) % {
            "size": filesizeformat(settings.COHORT_UPLOAD_MAX_BYTES),
            "rows": number_format(invitations.MAX_ROWS, force_grouping=True),
        }

    def clean_upload(self) -> invitations.Parsed:
        upload = self.cleaned_data["upload"]
        limit = settings.COHORT_UPLOAD_MAX_BYTES
        if upload.size > limit:  # refused before a byte of it is read
            raise forms.ValidationError(
                _(
                    "This file is %(size)s; the limit is %(limit)s. Split it into smaller "
                    "files, or remove the columns that are not needed."
                )
                % {"size": filesizeformat(upload.size), "limit": filesizeformat(limit)}
            )
        if not upload.size:
            raise forms.ValidationError(_("The file is empty."))
        try:
            text = invitations.decode_upload(upload.read())
            return invitations.parse_csv(text)
        except invitations.Refused as refused:
            raise forms.ValidationError(refused.message) from None


class JoinCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Cohort code"),
        max_length=32,
        help_text=_("The 8 letters and digits your trainer gave you, such as K7MP-3QXD."),
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "autocapitalize": "characters",
                "spellcheck": "false",
            }
        ),
    )

    def clean_code(self) -> str:
        code = invitations.normalise_join_code(self.cleaned_data["code"])
        if not invitations.looks_like_join_code(code):
            raise forms.ValidationError(
                _(
                    "A cohort code has 8 letters and digits (no 0, O, 1, I or L). Check it "
                    "with your trainer."
                )
            )
        return code
