"""Getting trainees into a cohort: invited from a list of e-mail addresses or a CSV file, or
joining with the cohort's code.

Three layers, top to bottom:

- Reading what the trainer gave (pure: text in, rows and problems out). Each column has a
  cleaner in ``CLEANERS``; a file whose header or encoding is wrong is refused whole
  (``Refused``); a row that is wrong becomes a ``Problem`` with its spreadsheet row, line,
  column, value and reason. Any problem means nothing is imported.
- Services, the only code here that writes: ``invite_to_cohort`` (one transaction, insert-or-
  ignore against the unique constraints, so a file sent twice doubles nothing) and
  ``join_cohort``. Both enrol in the cohort's course without checking its prerequisites: a
  trainer who puts someone in a cohort has decided they follow it.
- The invitation e-mails (``send_invitation_emails``, run by ``send_invitations_task``), each
  in its recipient's language.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from django.conf import settings
from django.conf.locale import LANG_INFO
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, get_connection
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.formats import date_format
from django.utils.http import urlencode, urlsafe_base64_decode, urlsafe_base64_encode
from django.utils.translation import gettext as _
from django_countries import countries

from accounts.choices import Role
from courses import services
from courses.choices import EnrolmentSource
from courses.models import Enrolment
from courses.progress_versions import progress_changed_many

from .learner_versions import cohorts_changed_for
from .models import JOIN_CODE_ALPHABET, JOIN_CODE_LENGTH, Cohort, Membership, MembershipSource

# A cohort is a training event: a few dozen people, a few hundred for a programme. More than
# this in one file is almost certainly the wrong file.
MAX_ROWS = 2000
# How much of a wrong value the report repeats.
SHOWN_VALUE_LENGTH = 80

COLUMNS = ("email", "full_name", "country", "organisation", "position", "language")
# Spellings trainers type that mean one of the columns above.
COLUMN_ALIASES = {
    "e_mail": "email",
    "email_address": "email",
    "e_mail_address": "email",
    "name": "full_name",
    "organization": "organisation",
}
TEXT_MAX_LENGTH = 200  # full_name, organisation, position on the User model
EMAIL_MAX_LENGTH = 254

# ---------------------------------------------------------------------------------------------
# Reading what the trainer gave (pure)
# ---------------------------------------------------------------------------------------------


class Refused(Exception):
    """The whole file or list is refused, with a message for the trainer."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class CellProblem(Exception):
    """A value a cleaner refused; ``reason`` says why."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Invitee:
    """One valid person to invite. ``row`` is the spreadsheet row (the header is row 1),
    ``None`` for a pasted list; ``line`` the line of the file or list where it starts."""

    email: str
    row: int | None = None
    line: int = 0
    full_name: str = ""
    country: str = ""
    organisation: str = ""
    position: str = ""
    language: str = ""


@dataclass(frozen=True)
class Problem:
    row: int | None
    line: int
    column: str
    value: str
    reason: str


@dataclass
class Parsed:
    kind: Literal["csv", "list"]
    invitees: list[Invitee] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and bool(self.invitees)


def _shown(value: str) -> str:
    if len(value) <= SHOWN_VALUE_LENGTH:
        return value
    return value[: SHOWN_VALUE_LENGTH - 1] + "…"


def clean_email(value: str) -> str:
    if not value:
        raise CellProblem(_("The e-mail address is missing."))
    if len(value) > EMAIL_MAX_LENGTH:
        raise CellProblem(
            _("An e-mail address has at most %(max)d characters.") % {"max": EMAIL_MAX_LENGTH}
        )
    try:
        validate_email(value)
    except ValidationError:
        raise CellProblem(_("This is not a valid e-mail address.")) from None
    return value.lower()


def clean_text(value: str) -> str:
    if len(value) > TEXT_MAX_LENGTH:
        raise CellProblem(
            _("Too long: at most %(max)d characters (this has %(length)d).")
            % {"max": TEXT_MAX_LENGTH, "length": len(value)}
        )
    return value


def clean_country(value: str) -> str:
    """An ISO 3166 code (SN, SEN) or a country's name in English, French or Spanish."""
    if not value:
        return ""
    code = countries.alpha2(value) if len(value) in (2, 3) else ""
    for language in ("en", "fr", "es"):
        if code:
            break
        found = countries.by_name(value, language=language)
        code = found if isinstance(found, str) else ""
    if not code:
        raise CellProblem(
            _(
                "Unknown country. Use its two-letter ISO code (such as SN for Senegal) "
                "or its name in English."
            )
        )
    return code


def _language_names() -> dict[str, str]:
    names: dict[str, str] = {}
    for code, own_name in settings.LANGUAGES:
        info = LANG_INFO.get(code, {})
        for name in (code, own_name, info.get("name", ""), info.get("name_local", "")):
            if name:
                names[name.casefold()] = code
    return names


def clean_language(value: str) -> str:
    """A language code of the site (en, fr, es; fr-FR and fr_SN also work) or its name."""
    if not value:
        return ""
    names = _language_names()
    code = names.get(value.casefold()) or names.get(re.split(r"[-_]", value)[0].casefold())
    if not code:
        raise CellProblem(
            _("Unknown language. Use one of: %(codes)s.")
            % {"codes": ", ".join(code for code, _name in settings.LANGUAGES)}
        )
    return code


CLEANERS: dict[str, Callable[[str], str]] = {
    "email": clean_email,
    "full_name": clean_text,
    "country": clean_country,
    "organisation": clean_text,
    "position": clean_text,
    "language": clean_language,
}


class _Collector:
    """Builds the invitees and problems row by row, and spots repeated addresses."""

    def __init__(self, kind: Literal["csv", "list"], max_rows: int | None):
        self.parsed = Parsed(kind=kind)
        self.max_rows = MAX_ROWS if max_rows is None else max_rows
        self.seen: dict[str, tuple[int | None, int]] = {}
        self.count = 0

    def problem(self, row: int | None, line: int, column: str, value: str, reason: str) -> None:
        self.parsed.problems.append(Problem(row, line, column, _shown(value), reason))

    def add(self, row: int | None, line: int, values: dict[str, str]) -> None:
        self.count += 1
        if self.count > self.max_rows:
            raise Refused(
                _(
                    "There are more than %(max)d people in this file or list. Split it into "
                    "smaller ones and send them one after the other."
                )
                % {"max": self.max_rows}
            )
        cleaned: dict[str, str] = {}
        valid = True
        for column, value in values.items():
            try:
                cleaned[column] = CLEANERS[column](value)
            except CellProblem as problem:
                self.problem(row, line, column, value, problem.reason)
                valid = False
        email = cleaned.get("email")
        if email and email in self.seen:
            first_row, first_line = self.seen[email]
            if first_row is not None:
                reason = _("This address is already on row %(row)d.") % {"row": first_row}
            else:
                reason = _("This address is already on line %(line)d.") % {"line": first_line}
            self.problem(row, line, "email", values["email"], reason)
            valid = False
        elif email:
            self.seen[email] = (row, line)
        if valid:
            self.parsed.invitees.append(Invitee(row=row, line=line, **cleaned))


def decode_upload(data: bytes) -> str:
    """UTF-8, with or without the BOM Excel writes. Anything else is refused, not guessed."""
    if data.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        raise Refused(
            _(
                "This is a spreadsheet workbook, not a CSV file. In your spreadsheet, choose "
                "“Save as” and the format “CSV UTF-8 (comma delimited)”, then upload that file."
            )
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = ""
    else:
        if "\x00" not in text:  # UTF-16 without a BOM decodes, with a NUL every other byte
            return text
    raise Refused(
        _(
            "This file is not in UTF-8, so its accents and names could come out wrong. In "
            "your spreadsheet, choose “Save as” and the format “CSV UTF-8 (comma delimited)”, "
            "then upload that file."
        )
    )


def _column_name(heading: str) -> str:
    name = re.sub(r"[\s\-]+", "_", heading.strip().casefold())
    return COLUMN_ALIASES.get(name, name)


def _delimiter(header_line: str) -> str:
    """Comma, or semicolon as Excel writes in French and Spanish, or tab: whichever the
    header uses most."""
    counts = {delimiter: header_line.count(delimiter) for delimiter in (",", ";", "\t")}
    best = max(counts, key=lambda delimiter: counts[delimiter])
    return best if counts[best] else ","


def _records(text: str, delimiter: str) -> Iterator[tuple[int, int, list[str]]]:
    """(spreadsheet row, first line, cells) for each record, header included."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    previous_line = 0
    row = 0
    try:
        for cells in reader:
            row += 1
            yield row, previous_line + 1, cells
            previous_line = reader.line_num
    except csv.Error as error:
        raise Refused(
            _("Line %(line)d cannot be read as CSV (%(error)s). Nothing was imported.")
            % {"line": reader.line_num, "error": error}
        ) from None


def parse_csv(text: str, *, max_rows: int | None = None) -> Parsed:
    """The rows of a CSV file whose first row names its columns."""
    if not text.strip():
        raise Refused(_("The file is empty."))
    first_line = text.lstrip("\r\n").splitlines()[0]
    records = _records(text, _delimiter(first_line))
    header: list[str] = []
    for _row, _line, cells in records:
        if any(cell.strip() for cell in cells):
            header = [_column_name(cell) for cell in cells]
            break
    accepted = ", ".join(COLUMNS)
    unknown = [name for name in header if name and name not in COLUMNS]
    if unknown:
        raise Refused(
            _("Unknown column: %(unknown)s. The columns can be: %(accepted)s.")
            % {"unknown": ", ".join(unknown), "accepted": accepted}
        )
    repeated = sorted({name for name in header if name and header.count(name) > 1})
    if repeated:
        raise Refused(
            _("The column %(names)s appears more than once.") % {"names": ", ".join(repeated)}
        )
    if "email" not in header:
        raise Refused(
            _(
                "The first row must name the columns, with at least one called “email”. "
                "The columns can be: %(accepted)s."
            )
            % {"accepted": accepted}
        )

    collector = _Collector("csv", max_rows)
    for row, line, cells in records:
        if not any(cell.strip() for cell in cells):
            continue  # a blank row, as spreadsheets often leave at the end
        values = {name: "" for name in header if name}
        for position, cell in enumerate(cells):
            name = header[position] if position < len(header) else ""
            if name:
                values[name] = cell.strip()
            elif cell.strip():
                collector.problem(
                    row,
                    line,
                    "",
                    cell.strip(),
                    _("A value in column %(number)d, which has no heading.")
                    % {"number": position + 1},
                )
        collector.add(row, line, values)
    if not collector.count:
        raise Refused(_("The file has a header row but nobody in it."))
    return collector.parsed


_NAME_AND_ADDRESS = re.compile(r"^(?P<name>[^<>]*?)\s*<(?P<email>[^<>]*)>$")


def _split_entries(line: str) -> Iterator[str]:
    """Split on commas and semicolons that are not inside quotes or <…>."""
    entry: list[str] = []
    quoted = bracketed = False
    for char in line:
        if char == '"' and not bracketed:
            quoted = not quoted
        elif char == "<" and not quoted:
            bracketed = True
        elif char == ">" and not quoted:
            bracketed = False
        if char in ",;" and not quoted and not bracketed:
            yield "".join(entry).strip()
            entry = []
        else:
            entry.append(char)
    yield "".join(entry).strip()


def parse_address_list(text: str, *, max_rows: int | None = None) -> Parsed:
    """E-mail addresses one per line, or separated by commas or semicolons, each perhaps
    written ``Name <address>`` as mail programs copy them."""
    collector = _Collector("list", max_rows)
    for line_number, line in enumerate(text.splitlines(), start=1):
        for entry in _split_entries(line):
            if not entry:
                continue
            match = _NAME_AND_ADDRESS.match(entry)
            if match:
                name = match["name"].strip().strip('"').strip()
                collector.add(
                    None, line_number, {"email": match["email"].strip(), "full_name": name}
                )
            else:
                collector.add(None, line_number, {"email": entry})
    if not collector.count:
        raise Refused(_("Enter at least one e-mail address."))
    return collector.parsed


def normalise_join_code(value: str) -> str:
    """Codes are read aloud and typed on phones: case, spaces and dashes do not matter."""
    return re.sub(r"[\s\-–]+", "", value).upper()


def looks_like_join_code(code: str) -> bool:
    return len(code) == JOIN_CODE_LENGTH and all(char in JOIN_CODE_ALPHABET for char in code)


# ---------------------------------------------------------------------------------------------
# Services
# ---------------------------------------------------------------------------------------------


class InvitationRefused(Exception):
    """Some rows cannot be imported for a reason only the database knows."""

    def __init__(self, problems: list[Problem]):
        super().__init__(f"{len(problems)} problems")
        self.problems = problems


class JoiningClosed(Exception):
    pass


@dataclass(frozen=True)
class Person:
    email: str
    name: str


@dataclass
class InvitationResult:
    created: list[Person] = field(default_factory=list)  # accounts made by this invitation
    added: list[Person] = field(default_factory=list)  # existing accounts, now members
    already: list[Person] = field(default_factory=list)  # members before
    membership_ids: list[int] = field(default_factory=list)  # the new members, to e-mail

    def as_dict(self) -> dict[str, list[list[str]]]:
        return {
            name: [[person.email, person.name] for person in getattr(self, name)]
            for name in ("created", "added", "already")
        }


def _chunks(items: Sequence, size: int = 500) -> Iterator[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _users_by_email(emails: Sequence[str]) -> dict:
    User = get_user_model()
    found = {}
    for chunk in _chunks(emails):
        for user in User.objects.annotate(email_lower=Lower("email")).filter(email_lower__in=chunk):
            found[user.email_lower] = user
    return found


def _enrol_for_cohort(user_ids: Iterable[int], course_id: int, now: datetime) -> None:
    """Enrol each user in the course (insert-or-ignore), and bring back those who had left.
    No prerequisite check: the trainer decided."""
    user_ids = list(user_ids)
    Enrolment.objects.bulk_create(
        [
            Enrolment(
                user_id=user_id, course_id=course_id, source=EnrolmentSource.COHORT, enrolled_at=now
            )
            for user_id in user_ids
        ],
        ignore_conflicts=True,
        batch_size=500,
    )
    for chunk in _chunks(user_ids):
        Enrolment.objects.filter(
            course_id=course_id, user_id__in=chunk, left_at__isnull=False
        ).update(left_at=None)
    progress_changed_many(user_ids)  # one cache round trip (and again after commit)


@transaction.atomic
def invite_to_cohort(
    *, cohort: Cohort, invitees: Sequence[Invitee], invited_by, now: datetime
) -> InvitationResult:
    """Give each invitee an account (reusing the one they have), a place in the cohort and an
    enrolment in its course, all or nothing; e-mail the new members once it is committed.
    Sending the same people again changes nothing and e-mails nobody."""
    User = get_user_model()
    emails = [invitee.email for invitee in invitees]
    existing = _users_by_email(emails)

    deactivated = [
        Problem(
            invitee.row,
            invitee.line,
            "email",
            invitee.email,
            _("This account has been deactivated. Ask an administrator, or remove this row."),
        )
        for invitee in invitees
        if invitee.email in existing and not existing[invitee.email].is_active
    ]
    if deactivated:
        raise InvitationRefused(deactivated)

    course_language = cohort.course.course_language
    new_users = [
        User(
            email=invitee.email,
            password=make_password(None),  # unusable until they follow the link
            full_name=invitee.full_name,
            country=invitee.country,
            organisation=invitee.organisation,
            position=invitee.position,
            preferred_language=invitee.language or course_language,
            date_joined=now,
        )
        for invitee in invitees
        if invitee.email not in existing
    ]
    User.objects.bulk_create(new_users, ignore_conflicts=True, batch_size=500)
    users = _users_by_email(emails)
    created_ids = [users[u.email].pk for u in new_users]
    _make_trainees(created_ids)
    _mark_addresses_verified([users[u.email] for u in new_users])

    user_ids = [users[email].pk for email in emails]
    members_before = set()
    for chunk in _chunks(user_ids):
        members_before.update(
            Membership.objects.filter(cohort=cohort, user_id__in=chunk).values_list(
                "user_id", flat=True
            )
        )
    Membership.objects.bulk_create(
        [
            Membership(
                cohort=cohort,
                user_id=user_id,
                source=MembershipSource.INVITATION,
                joined_at=now,
                invited_by=invited_by,
            )
            for user_id in user_ids
            if user_id not in members_before
        ],
        ignore_conflicts=True,
        batch_size=500,
    )
    cohorts_changed_for(user_ids)  # bulk_create sends no signal (cohorts.learner_versions)
    _enrol_for_cohort(user_ids, cohort.course_id, now)

    result = InvitationResult()
    created = set(created_ids)
    for email in emails:
        user = users[email]
        person = Person(email=user.email, name=user.full_name)
        if user.pk in members_before:
            result.already.append(person)
        elif user.pk in created:
            result.created.append(person)
        else:
            result.added.append(person)
    new_member_ids = [pk for pk in user_ids if pk not in members_before]
    for chunk in _chunks(new_member_ids):
        result.membership_ids.extend(
            Membership.objects.filter(cohort=cohort, user_id__in=chunk).values_list("pk", flat=True)
        )
    if result.membership_ids:
        from .tasks import send_invitations_task

        ids = list(result.membership_ids)
        transaction.on_commit(lambda: send_invitations_task.delay(ids))
    return result


def _make_trainees(user_ids: Sequence[int]) -> None:
    """Accounts made by invitation are Trainees, as accounts made by signing up are."""
    if not user_ids:
        return
    trainees, _created = Group.objects.get_or_create(name=Role.TRAINEES.value)
    through = get_user_model().groups.through
    through.objects.bulk_create(
        [through(user_id=user_id, group_id=trainees.pk) for user_id in user_ids],
        ignore_conflicts=True,
        batch_size=500,
    )


def _mark_addresses_verified(users: Sequence) -> None:
    """They prove the address is theirs by following the link sent to it, so allauth need
    not ask them to confirm it again."""
    from allauth.account.models import EmailAddress

    EmailAddress.objects.bulk_create(
        [EmailAddress(user=user, email=user.email, verified=True, primary=True) for user in users],
        ignore_conflicts=True,
        batch_size=500,
    )


def cohort_for_code(code: str) -> Cohort | None:
    code = normalise_join_code(code)
    if not looks_like_join_code(code):
        return None
    return (
        Cohort.objects.select_related("course")
        .prefetch_related("trainers")
        .filter(join_code=code)
        .first()
    )


def membership_of(cohort: Cohort, user) -> Membership | None:
    return Membership.objects.filter(cohort=cohort, user=user).first()


@transaction.atomic
def join_cohort(*, cohort: Cohort, user, now: datetime) -> tuple[Membership, bool]:
    """Join with the code: a place in the cohort and an enrolment in its course. Idempotent;
    a member stays one after joining is closed. Returns (membership, joined now)."""
    membership = membership_of(cohort, user)
    if membership is None and not cohort.joining_open:
        raise JoiningClosed
    created = False
    if membership is None:
        try:
            with transaction.atomic():
                membership, created = Membership.objects.get_or_create(
                    cohort=cohort,
                    user=user,
                    defaults={"source": MembershipSource.CODE, "joined_at": now},
                )
        except IntegrityError:  # the same person, twice at once
            membership = Membership.objects.get(cohort=cohort, user=user)
    if created:
        progress_changed_many([user.pk])  # their trainer's cohort page shows them now
    services.enrol(
        user=user,
        course=cohort.course,
        now=now,
        source=EnrolmentSource.COHORT,
        check_prerequisites=False,  # the trainer decided who is in the cohort
    )
    return membership, created


def user_from_uidb64(uidb64: str):
    User = get_user_model()
    try:
        pk = urlsafe_base64_decode(uidb64).decode()
        return User.objects.get(pk=pk)
    except (
        TypeError,
        ValueError,
        OverflowError,
        UnicodeDecodeError,
        User.DoesNotExist,
        ValidationError,
    ):
        return None


def invited_course_url(user) -> str:
    """Where someone who has just accepted an invitation goes: the course of their latest
    invitation, if it is live; else their dashboard."""
    membership = (
        Membership.objects.filter(user=user, cohort__course__live=True)
        .select_related("cohort__course")
        .order_by("-joined_at", "-pk")
        .first()
    )
    if membership is not None:
        url = membership.cohort.course.get_url()
        if url:
            return url
    return reverse("dashboard")


# ---------------------------------------------------------------------------------------------
# The invitation e-mails
# ---------------------------------------------------------------------------------------------


def _absolute(url: str) -> str:
    if url.startswith(("http://", "https://")):
        return url
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + url


def set_password_url(user) -> str:
    uidb64 = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return _absolute(reverse("cohorts:accept_invitation", args=[uidb64, token]))


def _invitation_message(membership: Membership, connection) -> EmailMessage:
    user, cohort = membership.user, membership.cohort
    course = cohort.course
    course_path = course.get_url() or "/"
    needs_password = not user.has_usable_password()
    context = {
        "user": user,
        "cohort": cohort,
        "course_title": course.title,
        "starts_on": date_format(cohort.starts_on, "DATE_FORMAT"),
        "ends_on": date_format(cohort.ends_on, "DATE_FORMAT"),
        "trainers": ", ".join(t.get_full_name() for t in cohort.trainers.all()),
        "invited_by": membership.invited_by.get_full_name() if membership.invited_by else "",
        "set_password_url": set_password_url(user) if needs_password else "",
        "link_days": max(1, settings.PASSWORD_RESET_TIMEOUT // 86400),
        "course_url": _absolute(course_path),
        "login_url": _absolute(reverse("account_login") + "?" + urlencode({"next": course_path})),
        "reset_url": _absolute(reverse("account_reset_password")),
    }
    subject = render_to_string("cohorts/email/invitation_subject.txt", context)
    body = render_to_string("cohorts/email/invitation_body.txt", context)
    return EmailMessage(
        subject=" ".join(subject.split()),
        body=body,
        to=[user.email],
        connection=connection,
        headers={"Content-Language": translation.get_language()},
    )


def send_invitation_emails(membership_ids: Sequence[int]) -> int:
    """E-mail each member their invitation, in their own language: a link to choose a
    password for an account made by the invitation, else links to the course and to log in.
    Sending again is harmless (a new link; older ones keep working until a password is set).
    Returns how many were sent."""
    memberships = (
        Membership.objects.filter(pk__in=list(membership_ids), user__is_active=True)
        .select_related("user", "cohort__course", "invited_by")
        .prefetch_related("cohort__trainers")
        .order_by("pk")
    )
    connection = get_connection()
    messages = []
    for membership in memberships:
        with translation.override(membership.user.preferred_language or settings.LANGUAGE_CODE):
            messages.append(_invitation_message(membership, connection))
    if not messages:
        return 0
    return connection.send_messages(messages) or 0
