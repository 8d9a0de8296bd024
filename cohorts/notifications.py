"""Reminders to trainees and the weekly digest to trainers: who may be reminded, recording a
trainer's request, and sending the e-mails (Celery tasks in tasks.py call the senders).

Each e-mail is rendered in its recipient's language. Sending is idempotent: a reminder is
sent once however often its task runs (its row is locked and stamped `sent_at` in the
transaction that sends it), and a trainer gets one digest per ISO week (`Digest` is unique
per trainer and week).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, get_connection
from django.db import connection, transaction
from django.db.models import Max, Prefetch
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from courses.models import ItemProgress
from courses.progress import CourseOutline, course_progress, next_item
from courses.selectors import outlines_for

from . import followup
from .models import Cohort, Digest, Membership, Reminder
from .selectors import progress_matrix

if TYPE_CHECKING:
    from .selectors import Row

# A trainee reminded less than this long ago (in this cohort) is not reminded again.
REMIND_AGAIN_AFTER = timedelta(hours=24)
# Cohorts that ended less than this many days ago still appear in their trainers' digest.
DIGEST_RECENT_DAYS = 14
# The digest names at most this many trainees behind schedule per cohort.
DIGEST_BEHIND_NAMES = 10
# "Joined this week" in the digest: joined in the last seven days (the digest is weekly).
JOINED_RECENTLY = timedelta(days=7)


# --- reading: who may be reminded -------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    row: Row
    last_reminded: datetime | None
    reminded_recently: bool  # less than REMIND_AGAIN_AFTER ago: would be skipped

    @property
    def user(self):
        return self.row.user


@dataclass(frozen=True)
class Candidates:
    expected_percent: int
    behind: list[Candidate]
    inactive: list[Candidate]  # inactive and not behind (those are in `behind`)


def reminder_candidates(cohort: Cohort, *, now: datetime) -> Candidates:
    """The cohort's trainees behind schedule, and separately the inactive ones, each with
    when they were last reminded in this cohort. A fixed number of queries."""
    matrix = progress_matrix(cohort, now=now)
    last = dict(
        Reminder.objects.filter(cohort=cohort)
        .values("user_id")
        .annotate(last=Max("requested_at"))
        .values_list("user_id", "last")
    )

    def candidate(row: Row) -> Candidate:
        when = last.get(row.user.pk)
        return Candidate(
            row=row,
            last_reminded=when,
            reminded_recently=when is not None and when > now - REMIND_AGAIN_AFTER,
        )

    return Candidates(
        expected_percent=matrix.expected_percent,
        behind=[candidate(row) for row in matrix.rows if row.behind],
        inactive=[candidate(row) for row in matrix.rows if row.inactive and not row.behind],
    )


# --- writing: a trainer asks for reminders ----------------------------------------------------


class NotCohortMembers(ValueError):
    """Someone who is not a member of the cohort was chosen (the form prevents it)."""


@dataclass(frozen=True)
class ReminderRequest:
    reminders: list[Reminder]  # created now, sent after commit
    skipped: list  # users reminded less than REMIND_AGAIN_AFTER ago: nothing created

    @property
    def reminded(self) -> list:
        return [reminder.user for reminder in self.reminders]


@transaction.atomic
def request_reminders(
    *, cohort: Cohort, trainees: Iterable, sent_by, message: str = "", now: datetime
) -> ReminderRequest:
    """Record one reminder per chosen trainee and send them after commit.

    Trainees reminded in this cohort less than 24 hours ago are skipped. Two requests for
    the same cohort at the same instant (a double click, two trainers) are serialised by
    locking the cohort's row, so the second sees the first's reminders and skips them.
    """
    Cohort.objects.select_for_update().filter(pk=cohort.pk).values_list("pk").get()
    trainees = sorted(set(trainees), key=lambda u: (u.full_name, u.email))
    user_ids = {user.pk for user in trainees}
    members = set(
        Membership.objects.filter(cohort=cohort, user_id__in=user_ids).values_list(
            "user_id", flat=True
        )
    )
    if members != user_ids:
        raise NotCohortMembers(sorted(user_ids - members))
    recent = set(
        Reminder.objects.filter(
            cohort=cohort, user_id__in=user_ids, requested_at__gt=now - REMIND_AGAIN_AFTER
        ).values_list("user_id", flat=True)
    )
    reminders = []
    for user in trainees:
        if user.pk in recent:
            continue
        reminder = Reminder(
            cohort=cohort, user=user, sent_by=sent_by, requested_at=now, message=message
        )
        reminder.full_clean(exclude=["cohort", "user", "sent_by"], validate_constraints=False)
        reminder.save()
        reminders.append(reminder)
    if reminders:
        from .tasks import send_reminders_task

        ids = [reminder.pk for reminder in reminders]
        transaction.on_commit(lambda: send_reminders_task.delay(ids))
    return ReminderRequest(
        reminders=reminders, skipped=[user for user in trainees if user.pk in recent]
    )


# --- sending ----------------------------------------------------------------------------------


def _absolute(url: str) -> str:
    if not url or url.startswith(("http://", "https://")):
        return url
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + url


def _language(user) -> str:
    return user.preferred_language or settings.LANGUAGE_CODE


_BLANK_LINES = re.compile(r"\n{3,}")


def _render_text(template: str, context: dict) -> str:
    """A plain-text template (its `{% autoescape off %}` keeps names as written), with
    trailing spaces and runs of blank lines left by template tags removed."""
    text = render_to_string(template, context)
    text = "\n".join(line.rstrip() for line in text.strip().splitlines())
    return _BLANK_LINES.sub("\n\n", text) + "\n"


def _render_subject(template: str, context: dict) -> str:
    return " ".join(render_to_string(template, context).split())


def _email(*, template: str, context: dict, to, language: str, **kwargs) -> EmailMessage:
    """The e-mail rendered from `<template>_subject.txt` and `<template>_body.txt` with
    `language` active; the Content-Language header says which language that is."""
    with translation.override(language):
        subject = _render_subject(f"cohorts/email/{template}_subject.txt", context)
        body = _render_text(f"cohorts/email/{template}_body.txt", context)
    headers = {"Content-Language": language, **kwargs.pop("headers", {})}
    return EmailMessage(subject=subject, body=body, to=[to], headers=headers, **kwargs)


def _skip_locked() -> dict:
    if connection.features.has_select_for_update_skip_locked:
        return {"skip_locked": True}
    return {}


def _reminder_email(reminder: Reminder, outline: CourseOutline, done: set[int]) -> EmailMessage:
    cohort, trainee, trainer = reminder.cohort, reminder.user, reminder.sent_by
    upcoming = next_item(outline, done)
    course_url = _absolute(cohort.course.get_url() or "")
    return _email(
        template="reminder",
        context={
            "trainee": trainee,
            "trainer_name": trainer.get_full_name() if trainer else "",
            "cohort": cohort,
            "course_title": cohort.course.title,
            "progress": course_progress(outline, done),
            "next_item": upcoming,
            "continue_url": _absolute(upcoming.url) if upcoming and upcoming.url else course_url,
            "course_url": course_url,
            "message": reminder.message,
        },
        to=trainee.email,
        language=_language(trainee),
        reply_to=[trainer.email] if trainer and trainer.email else None,
    )


def send_reminders(reminder_ids: Iterable[int], *, now: datetime) -> int:
    """Send each reminder not sent yet, once, in its trainee's language. Returns how many
    were sent. A reminder is locked while it is sent (another worker running the same task
    skips it) and stamped `sent_at` in the same transaction, so running twice sends once;
    if the mail server fails, that reminder stays unsent for the task's retry."""
    reminders = list(
        Reminder.objects.filter(
            pk__in=list(reminder_ids), sent_at__isnull=True, user__is_active=True
        )
        .select_related("user", "sent_by", "cohort__course")
        .order_by("pk")
    )
    if not reminders:
        return 0
    outlines = outlines_for({reminder.cohort.course_id for reminder in reminders})
    item_ids = {item.id for outline in outlines.values() for item in outline.items}
    done: dict[int, set[int]] = defaultdict(set)
    for user_id, page_id in ItemProgress.objects.filter(
        user_id__in={reminder.user_id for reminder in reminders},
        page_id__in=item_ids,
        completed_at__isnull=False,
    ).values_list("user_id", "page_id"):
        done[user_id].add(page_id)
    sent = 0
    with get_connection() as mailer:  # one connection to the mail server for them all
        for reminder in reminders:
            with transaction.atomic():
                claimed = (
                    Reminder.objects.select_for_update(**_skip_locked())
                    .filter(pk=reminder.pk, sent_at__isnull=True)
                    .values_list("pk", flat=True)
                    .first()
                )
                if claimed is None:  # sent meanwhile, or being sent by another worker
                    continue
                outline = outlines[reminder.cohort.course_id]
                email = _reminder_email(reminder, outline, done[reminder.user_id])
                mailer.send_messages([email])
                Reminder.objects.filter(pk=reminder.pk).update(sent_at=now)
            sent += 1
    return sent


# --- the weekly digest ------------------------------------------------------------------------


def iso_week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


@dataclass(frozen=True)
class CohortSummary:
    cohort: Cohort
    url: str
    ended: bool
    trainees: int
    completed: int
    behind: int
    inactive: int
    joined: int
    behind_names: tuple[str, ...]

    @property
    def more_behind(self) -> int:
        return self.behind - len(self.behind_names)


def cohort_summary(cohort: Cohort, *, now: datetime) -> CohortSummary:
    rows = progress_matrix(cohort, now=now).rows
    behind = [row for row in rows if row.behind]
    return CohortSummary(
        cohort=cohort,
        url=_absolute(reverse("cohorts:detail", args=[cohort.pk])),
        ended=cohort.ends_on < now.date(),
        trainees=len(rows),
        completed=sum(1 for row in rows if row.completed or row.progress.complete),
        behind=len(behind),
        inactive=sum(1 for row in rows if row.inactive),
        joined=sum(1 for row in rows if row.membership.joined_at > now - JOINED_RECENTLY),
        behind_names=tuple(row.user.get_full_name() for row in behind[:DIGEST_BEHIND_NAMES]),
    )


def digest_cohorts(*, now: datetime) -> dict:
    """Each active trainer → the cohorts they train that are running or ended less than
    DIGEST_RECENT_DAYS days ago (latest first). Trainers with none are absent."""
    today = now.date()
    cohorts = (
        Cohort.objects.filter(
            starts_on__lte=today, ends_on__gt=today - timedelta(days=DIGEST_RECENT_DAYS)
        )
        .select_related("course")
        .prefetch_related(
            Prefetch(
                "trainers",
                queryset=get_user_model().objects.filter(is_active=True),
                to_attr="active_trainers",
            )
        )
    )
    by_trainer: dict = {}
    for cohort in cohorts:
        for trainer in cohort.active_trainers:
            by_trainer.setdefault(trainer.pk, (trainer, []))[1].append(cohort)
    return dict(by_trainer.values())


def send_weekly_digests(*, now: datetime) -> int:
    """One digest per trainer per ISO week, in the trainer's language. Returns how many were
    sent. Each cohort's numbers are read once, whatever its number of trainers."""
    week = iso_week(now.date())
    by_trainer = digest_cohorts(now=now)
    already = set(
        Digest.objects.filter(
            week=week, sent_at__isnull=False, trainer__in=list(by_trainer)
        ).values_list("trainer_id", flat=True)
    )
    waiting = {
        trainer: cohorts for trainer, cohorts in by_trainer.items() if trainer.pk not in already
    }
    if not waiting:
        return 0
    summaries: dict[int, CohortSummary] = {}
    sent = 0
    with get_connection() as mailer:
        for trainer, cohorts in waiting.items():
            for cohort in cohorts:
                if cohort.pk not in summaries:
                    summaries[cohort.pk] = cohort_summary(cohort, now=now)
            digest = [summaries[cohort.pk] for cohort in cohorts]
            if _send_digest(trainer, digest, week=week, now=now, mailer=mailer):
                sent += 1
    return sent


@transaction.atomic
def _send_digest(
    trainer, summaries: list[CohortSummary], *, week: str, now: datetime, mailer
) -> bool:
    # Locked while sending: a second beat run (or worker) waits here, then sees sent_at.
    digest, _ = Digest.objects.select_for_update().get_or_create(trainer=trainer, week=week)
    if digest.sent_at is not None:
        return False
    email = _email(
        template="digest",
        context={
            "trainer": trainer,
            "summaries": summaries,
            "today": now.date(),
            "inactive_days": followup.INACTIVE_DAYS,
            "workspace_url": _absolute(reverse("cohorts:home")),
        },
        to=trainer.email,
        language=_language(trainer),
        headers={"Auto-Submitted": "auto-generated"},
    )
    mailer.send_messages([email])
    digest.sent_at = now
    digest.save(update_fields=["sent_at"])
    return True
