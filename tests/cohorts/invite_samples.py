"""Builders for the invitation tests: CSV files as a spreadsheet would save them, posted
to the invitation page the way the browser sends them, and what the database holds."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.files.uploadedfile import SimpleUploadedFile


def csv_bytes(*lines: str, delimiter: str = ",", encoding: str = "utf-8", bom: bool = False):
    """Lines of cells separated by "|" in the test, by `delimiter` in the file."""
    text = "\r\n".join(line.replace("|", delimiter) for line in lines) + "\r\n"
    data = text.encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


def upload(data: bytes, name: str = "trainees.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="text/csv")


def post_csv(client, cohort, data: bytes, **kwargs):
    return client.post(
        f"/trainer/cohorts/{cohort.pk}/invite/",
        {"way": "csv", "csv-upload": upload(data)},
        **kwargs,
    )


def post_list(client, cohort, addresses: str, **kwargs):
    return client.post(
        f"/trainer/cohorts/{cohort.pk}/invite/",
        {"way": "list", "list-addresses": addresses},
        **kwargs,
    )


@dataclass(frozen=True)
class Counts:
    users: int
    memberships: int
    enrolments: int
    addresses: int


def counts() -> Counts:
    """What an import would have written: accounts, memberships, enrolments, and allauth's
    e-mail addresses."""
    from allauth.account.models import EmailAddress

    from accounts.models import User
    from cohorts.models import Membership
    from courses.models import Enrolment

    return Counts(
        User.objects.count(),
        Membership.objects.count(),
        Enrolment.objects.count(),
        EmailAddress.objects.count(),
    )
