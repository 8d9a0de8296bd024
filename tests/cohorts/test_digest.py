"""The weekly digest: every Monday each trainer gets one e-mail, in their language, on each
cohort they train that is running or ended less than two weeks ago."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from celery.schedules import crontab
from django.conf import settings
from django.core import mail
from django.db import connection
from django.utils import timezone

from cohorts import notifications
from cohorts.models import Digest, Membership
from cohorts.tasks import weekly_digest_task
from courses.models import ItemProgress

from .conftest import add_member, make_cohort, make_user

pytestmark = pytest.mark.django_db

MONDAY = datetime(2026, 3, 16, 6, 0, tzinfo=UTC)  # ISO week 2026-W12


def complete(user, lessons, at: datetime) -> None:
    for lesson in lessons:
        ItemProgress.objects.create(user=user, page=lesson, started_at=at, completed_at=at)


def joined(cohort, user, at: datetime) -> None:
    add_member(cohort, user)
    Membership.objects.filter(cohort=cohort, user=user).update(joined_at=at)


def digests_to(address: str) -> list:
    return [email for email in mail.outbox if email.to == [address]]


@pytest.fixture
def march(small, trainer):
    """A cohort from 1 to 31 March 2026: on Monday 16 March, 51 % is expected."""
    return make_cohort(
        small.course,
        [trainer],
        name="Dakar March",
        starts_on=date(2026, 3, 1),
        ends_on=date(2026, 3, 31),
    )


def test_the_digest_counts_each_cohort_and_names_those_behind(march, trainer, small):
    finished = make_user("fatou@example.org", "Fatou Sow")
    joined(march, finished, MONDAY - timedelta(days=12))
    complete(finished, small.all_lessons, MONDAY - timedelta(days=1))
    idle = make_user("chloe@example.org", "Chloé Martin")  # on track, nothing for 9 days
    joined(march, idle, MONDAY - timedelta(days=12))
    complete(idle, small.all_lessons[:3], MONDAY - timedelta(days=9))
    newcomer = make_user("amina@example.org", "Amina Diallo")  # behind, joined 2 days ago
    joined(march, newcomer, MONDAY - timedelta(days=2))

    assert notifications.send_weekly_digests(now=MONDAY) == 1
    (email,) = mail.outbox
    assert email.to == ["tess@example.org"]
    assert email.subject == "Your cohort this week"
    assert email.extra_headers["Auto-Submitted"] == "auto-generated"
    assert "Dakar March — Evidence\nRuns until March 31, 2026." in email.body
    assert "- Trainees: 3\n" in email.body
    assert "- Completed the course: 1\n" in email.body
    assert "- Behind schedule: 1\n" in email.body
    assert "- Inactive for 7 days or more: 2\n" in email.body  # Chloé and Amina
    assert "- Joined in the last 7 days: 1\n" in email.body
    assert "Behind schedule: Amina Diallo\n" in email.body
    assert f"Open the cohort: http://testserver/trainer/cohorts/{march.pk}/" in email.body


def test_at_most_ten_names_then_how_many_more(march):
    for number in range(12):
        joined(march, make_user(f"t{number:02}@example.org", f"Trainee {number:02}"), MONDAY)
    notifications.send_weekly_digests(now=MONDAY)
    (email,) = mail.outbox
    names = ", ".join(f"Trainee {number:02}" for number in range(10))
    assert f"Behind schedule: {names} and 2 more\n" in email.body
    assert "Trainee 10" not in email.body


def test_running_twice_in_a_week_sends_once(cohort, trainer):
    assert weekly_digest_task.delay().get() == 1  # the beat's task, run in-process
    # Again at once (five minutes later crossed into a new ISO week on Sunday night).
    assert notifications.send_weekly_digests(now=timezone.now()) == 0
    assert len(mail.outbox) == 1
    digest = Digest.objects.get(trainer=trainer)
    assert digest.sent_at is not None
    assert digest.week == notifications.iso_week(timezone.now().date())


def test_a_new_week_brings_a_new_digest(march, trainer):
    assert notifications.send_weekly_digests(now=MONDAY) == 1
    assert notifications.send_weekly_digests(now=MONDAY + timedelta(days=3)) == 0
    assert notifications.send_weekly_digests(now=MONDAY + timedelta(days=7)) == 1
    assert [d.week for d in Digest.objects.order_by("week")] == ["2026-W12", "2026-W13"]
    assert len(mail.outbox) == 2


@pytest.mark.parametrize(
    ("starts_on", "ends_on", "gets_digest", "says"),
    [
        (date(2026, 3, 2), date(2026, 3, 3), True, "Ended on March 3, 2026."),  # 13 days ago
        (date(2026, 2, 23), date(2026, 3, 2), False, ""),  # ended 14 days ago
        (date(2026, 3, 17), date(2026, 3, 20), False, ""),  # starts tomorrow
        (date(2026, 3, 16), date(2026, 3, 16), True, "Runs until March 16, 2026."),  # today
    ],
)
def test_only_running_or_recent_cohorts_count(
    small, other_trainer, starts_on, ends_on, gets_digest, says
):
    make_cohort(small.course, [other_trainer], starts_on=starts_on, ends_on=ends_on)
    assert notifications.send_weekly_digests(now=MONDAY) == int(gets_digest)
    assert len(digests_to("omar@example.org")) == int(gets_digest)
    if gets_digest:
        assert says in mail.outbox[0].body
    else:
        assert not Digest.objects.exists()


def test_each_trainer_gets_one_email_with_all_their_cohorts(
    small, march, trainer, other_trainer, administrator
):
    march.trainers.add(other_trainer)
    make_cohort(
        small.course,
        [trainer],
        name="Quito March",
        starts_on=date(2026, 3, 9),
        ends_on=date(2026, 3, 20),
    )
    assert notifications.send_weekly_digests(now=MONDAY) == 2
    (tess,) = digests_to("tess@example.org")
    (omar,) = digests_to("omar@example.org")
    assert tess.subject == "Your 2 cohorts this week"
    assert "Dakar March" in tess.body and "Quito March" in tess.body
    assert "Dakar March" in omar.body and "Quito March" not in omar.body
    assert digests_to("ada@example.org") == []  # sees every cohort, trains none


def test_a_deactivated_trainer_gets_nothing(march, trainer):
    trainer.is_active = False
    trainer.save()
    assert notifications.send_weekly_digests(now=MONDAY) == 0
    assert mail.outbox == []


@pytest.mark.parametrize(
    ("language", "date_text"),
    [("en", "March 16, 2026"), ("fr", "16 mars 2026"), ("es", "16 de marzo de 2026")],
)
def test_the_digest_is_in_the_trainers_language(march, trainer, language, date_text):
    """New strings are not translated yet: the header and Django's month names show the
    trainer's language was active while the e-mail was written."""
    trainer.preferred_language = language
    trainer.save()
    notifications.send_weekly_digests(now=MONDAY)
    (email,) = mail.outbox
    assert email.extra_headers["Content-Language"] == language
    assert date_text in email.body


def test_queries_grow_with_cohorts_not_with_trainees(small, trainer, django_assert_max_num_queries):
    cohort = make_cohort(
        small.course, [trainer], starts_on=date(2026, 3, 1), ends_on=date(2026, 3, 31)
    )
    joined(cohort, make_user("one@example.org", "One"), MONDAY)
    with django_assert_max_num_queries(30) as few:
        notifications.send_weekly_digests(now=MONDAY)
    Digest.objects.all().delete()
    for number in range(20):
        user = make_user(f"n{number}@example.org", f"Name {number}")
        joined(cohort, user, MONDAY)
        complete(user, small.all_lessons[: number % 3], MONDAY - timedelta(days=number))
    with django_assert_max_num_queries(len(few.captured_queries)):
        notifications.send_weekly_digests(now=MONDAY)
    assert "- Trainees: 21\n" in mail.outbox[-1].body


def test_the_beat_schedule_runs_the_digest_on_monday_morning():
    entries = [
        entry
        for entry in settings.CELERY_BEAT_SCHEDULE.values()
        if entry["task"] == "cohorts.tasks.weekly_digest_task"
    ]
    assert len(entries) == 1
    schedule = entries[0]["schedule"]
    assert isinstance(schedule, crontab)
    assert schedule.day_of_week == {1}  # Monday
    assert (schedule.hour, schedule.minute) == ({6}, {0})


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="concurrent transactions need PostgreSQL"
)
@pytest.mark.django_db(transaction=True)
def test_two_beat_runs_at_once_send_one_digest(small):
    import threading

    trainer = make_user("tess@example.org", "Tess Trainer")  # no role: groups were flushed
    make_cohort(small.course, [trainer], starts_on=date(2026, 3, 1), ends_on=date(2026, 3, 31))
    barrier = threading.Barrier(4)
    sent: list[int] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait(timeout=30)
            sent.append(notifications.send_weekly_digests(now=MONDAY))
        except BaseException as error:  # noqa: BLE001 - re-raised below
            errors.append(error)
        finally:
            connection.close()

    workers = [threading.Thread(target=run) for _ in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    assert not errors, errors
    assert sorted(sent) == [0, 0, 0, 1]
    assert len(mail.outbox) == 1
