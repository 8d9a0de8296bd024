"""Reminders: a trainer chooses trainees behind schedule (or inactive) and each gets one
e-mail, in their own language, with their progress, next step and a link to continue.

The default `cohort` runs from 10 days ago to 10 days from now, so 52 % of the course is
expected by today; `trainee` (Amina) has done nothing: behind and inactive.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.db import connection
from django.utils import timezone
from django.utils.formats import date_format

from cohorts import notifications
from cohorts.models import Reminder
from cohorts.tasks import send_reminders_task
from courses.models import ItemProgress

from .conftest import add_member, make_cohort, make_user

pytestmark = pytest.mark.django_db


def complete(user, lessons, at: datetime) -> None:
    for lesson in lessons:
        ItemProgress.objects.create(user=user, page=lesson, started_at=at, completed_at=at)


def checkbox(html: str, user) -> str:
    """The checkbox tag for this trainee in the form ("" if they are not listed)."""
    found = re.search(rf'<input type="checkbox"[^>]*id="trainee-{user.pk}"[^>]*>', html)
    return found.group(0) if found else ""


def remind_url(cohort) -> str:
    return f"/trainer/cohorts/{cohort.pk}/remind/"


def flash(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


@pytest.fixture
def on_track(cohort, small):
    """Bruno: 3 of 4 lessons done today (75 %): neither behind nor inactive."""
    user = make_user("bruno@example.org", "Bruno Silva")
    add_member(cohort, user)
    complete(user, small.all_lessons[:3], timezone.now())
    return user


@pytest.fixture
def idle(cohort, small):
    """Chloé: 3 of 4 lessons done 10 days ago: not behind, but inactive."""
    user = make_user("chloe@example.org", "Chloé Martin")
    add_member(cohort, user)
    complete(user, small.all_lessons[:3], timezone.now() - timedelta(days=10))
    return user


@pytest.fixture
def laggard(cohort):
    """Diego: nothing done, like Amina: behind."""
    user = make_user("diego@example.org", "Diego Ruiz", preferred_language="es")
    add_member(cohort, user)
    return user


# --- the page ---------------------------------------------------------------------------------


def test_the_page_ticks_those_behind_and_lists_the_inactive_apart(
    cohort, trainer, trainee, on_track, idle, client_for
):
    Reminder.objects.create(
        cohort=cohort, user=idle, sent_by=trainer, requested_at=timezone.now() - timedelta(days=3)
    )
    response = client_for(trainer).get(remind_url(cohort))
    html = response.text
    assert response.status_code == 200
    assert "checked" in checkbox(html, trainee)  # behind: ticked
    assert checkbox(html, idle) and "checked" not in checkbox(html, idle)  # inactive: offered
    assert checkbox(html, on_track) == ""  # on track: not offered
    behind_part, inactive_part = html.split('id="legend-inactive"')
    assert "Amina Diallo" in behind_part and "Chloé Martin" in inactive_part
    assert "Never" in behind_part  # Amina was never reminded
    assert "Nothing yet" in behind_part  # nor did anything
    assert ">52%<" in behind_part  # expected by now (day 11 of 21)
    assert ">75%<" in inactive_part  # Chloé's progress
    assert "No one is behind schedule" not in html


def test_with_everyone_on_track_the_page_says_so_and_still_offers_the_inactive(
    cohort, trainer, trainee, idle, small, client_for
):
    complete(trainee, small.all_lessons, timezone.now())  # Amina finished the course
    html = client_for(trainer).get(remind_url(cohort)).text
    assert "No one is behind schedule: every trainee is on track." in html
    assert checkbox(html, trainee) == ""
    assert checkbox(html, idle) and "checked" not in checkbox(html, idle)
    assert "Send reminders" in html


def test_with_no_one_behind_or_inactive_there_is_nothing_to_send(
    cohort, trainer, trainee, small, client_for
):
    complete(trainee, small.all_lessons[:3], timezone.now())
    html = client_for(trainer).get(remind_url(cohort)).text
    assert "No one is behind schedule" in html
    assert "there is no one to remind" in html
    assert "Send reminders" not in html


def test_someone_reminded_in_the_last_24_hours_is_not_ticked_and_says_why(
    cohort, trainer, trainee, client_for
):
    Reminder.objects.create(
        cohort=cohort, user=trainee, sent_by=trainer, requested_at=timezone.now()
    )
    html = client_for(trainer).get(remind_url(cohort)).text
    tag = checkbox(html, trainee)
    assert tag and "checked" not in tag
    assert f'aria-describedby="trainee-{trainee.pk}-recent"' in tag
    assert "less than 24 hours ago: would be skipped" in html


def test_the_page_queries_do_not_grow_with_the_trainees(
    cohort, trainer, client_for, django_assert_max_num_queries
):
    client = client_for(trainer)
    client.get(remind_url(cohort))  # warm caches (site root paths, permissions)
    with django_assert_max_num_queries(25) as few:
        client.get(remind_url(cohort))
    for number in range(15):
        user = make_user(f"t{number}@example.org", f"Trainee {number}")
        add_member(cohort, user)
        Reminder.objects.create(
            cohort=cohort, user=user, sent_by=trainer, requested_at=timezone.now()
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(remind_url(cohort))
    assert "Trainee 14" in response.text


# --- sending ----------------------------------------------------------------------------------


def test_reminders_go_to_the_chosen_trainees_only_and_the_trainer_is_told(
    cohort, trainer, trainee, laggard, idle, client_for, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(trainer).post(
            remind_url(cohort),
            {"trainees": [trainee.pk, idle.pk], "message": "See you on Thursday!"},
        )
    assert response.status_code == 302
    assert response["Location"] == f"/trainer/cohorts/{cohort.pk}/"
    assert flash(response) == ["Reminders sent to 2 trainees: Amina Diallo, Chloé Martin."]
    assert sorted(m.to[0] for m in mail.outbox) == ["amina@example.org", "chloe@example.org"]
    reminders = Reminder.objects.filter(cohort=cohort)
    assert {r.user for r in reminders} == {trainee, idle}
    assert all(r.sent_by == trainer and r.sent_at is not None for r in reminders)
    assert not Reminder.objects.filter(user=laggard).exists()


def test_the_email_gives_progress_next_step_end_date_trainer_note_and_a_link(
    cohort, trainer, trainee, small, client_for, django_capture_on_commit_callbacks
):
    complete(trainee, small.all_lessons[:1], timezone.now() - timedelta(days=9))  # 25 %
    with django_capture_on_commit_callbacks(execute=True):
        client_for(trainer).post(
            remind_url(cohort), {"trainees": [trainee.pk], "message": "Module B is short."}
        )
    (email,) = mail.outbox
    following = small.all_lessons[1]
    assert "Evidence" in email.subject and "Dakar 2026" in email.subject
    assert email.reply_to == ["tess@example.org"]
    assert "Hello Amina Diallo," in email.body
    assert "Tess Trainer, your trainer in the cohort “Dakar 2026”" in email.body
    assert "Tess Trainer writes:\n\nModule B is short." in email.body
    assert "You have completed 1 of 4 items (25%)." in email.body
    assert f"Next: {following.title}" in email.body
    assert f"The cohort ends on {date_format(cohort.ends_on)}." in email.body
    assert f"Continue: http://testserver{following.url}" in email.body
    assert email.extra_headers["Content-Language"] == "en"


def test_names_and_notes_reach_the_plain_text_email_unescaped(
    small, trainer, client_for, django_capture_on_commit_callbacks
):
    cohort = make_cohort(small.course, [trainer], name="Côte d'Ivoire <pilot>")
    obrien = make_user("sean@example.org", "Seán O'Brien")
    add_member(cohort, obrien)
    with django_capture_on_commit_callbacks(execute=True):
        client_for(trainer).post(
            remind_url(cohort), {"trainees": [obrien.pk], "message": "Q&A on <Friday>"}
        )
    (email,) = mail.outbox
    assert "Côte d'Ivoire <pilot>" in email.subject
    assert "Hello Seán O'Brien," in email.body
    assert "Q&A on <Friday>" in email.body
    assert "&#x27;" not in email.body + email.subject and "&lt;" not in email.body


@pytest.mark.parametrize(
    ("language", "progress_heading", "end_date"),
    [
        ("en", "Your progress", "March 31, 2026"),
        ("fr", "Votre progression", "31 mars 2026"),
        ("es", "Su progreso", "31 de marzo de 2026"),
    ],
)
def test_each_trainee_is_written_to_in_their_own_language(
    small, trainer, language, progress_heading, end_date
):
    """New strings are not translated yet; what proves the recipient's language was active
    is the header we set, Django's own month names in the end date, and "Your progress",
    a string the course pages already have in locale/."""
    now = datetime(2026, 3, 20, 9, 0, tzinfo=UTC)
    cohort = make_cohort(
        small.course, [trainer], starts_on=date(2026, 3, 1), ends_on=date(2026, 3, 31)
    )
    user = make_user(f"{language}@example.org", "Someone", preferred_language=language)
    add_member(cohort, user)
    request = notifications.request_reminders(
        cohort=cohort, trainees=[user], sent_by=trainer, now=now
    )
    notifications.send_reminders([r.pk for r in request.reminders], now=now)
    (email,) = mail.outbox
    assert email.extra_headers["Content-Language"] == language
    assert end_date in email.body
    assert progress_heading in email.body


def test_a_trainee_reminded_less_than_24_hours_ago_is_skipped_and_named(
    cohort, trainer, trainee, laggard, client_for, django_capture_on_commit_callbacks
):
    now = timezone.now()
    Reminder.objects.create(
        cohort=cohort, user=trainee, sent_by=trainer, requested_at=now - timedelta(hours=23)
    )
    Reminder.objects.create(
        cohort=cohort, user=laggard, sent_by=trainer, requested_at=now - timedelta(hours=25)
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(trainer).post(
            remind_url(cohort), {"trainees": [trainee.pk, laggard.pk]}
        )
    assert [m.to for m in mail.outbox] == [["diego@example.org"]]
    assert flash(response) == [
        "Reminder sent to 1 trainee: Diego Ruiz.",
        "Not reminded again (already reminded less than 24 hours ago): Amina Diallo.",
    ]
    assert Reminder.objects.filter(user=trainee).count() == 1


def test_a_double_click_sends_one_email(
    cohort, trainer, trainee, client_for, django_capture_on_commit_callbacks
):
    client = client_for(trainer)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(remind_url(cohort), {"trainees": [trainee.pk]})
    with django_capture_on_commit_callbacks(execute=True):
        second = client.post(remind_url(cohort), {"trainees": [trainee.pk]})
    assert len(mail.outbox) == 1
    assert Reminder.objects.filter(user=trainee).count() == 1
    # (The first click's message is still waiting to be shown: its page never was.)
    assert flash(second)[-1] == (
        "Not reminded again (already reminded less than 24 hours ago): Amina Diallo."
    )


def test_sending_twice_sends_once(cohort, trainer, trainee):
    now = timezone.now()
    request = notifications.request_reminders(
        cohort=cohort, trainees=[trainee], sent_by=trainer, now=now
    )
    ids = [r.pk for r in request.reminders]
    assert send_reminders_task.delay(ids).get() == 1  # the Celery task, run in-process
    assert notifications.send_reminders(ids, now=now) == 0
    assert len(mail.outbox) == 1
    assert Reminder.objects.get(pk=ids[0]).sent_at is not None


def test_a_mail_server_failure_leaves_the_reminder_for_the_retry(
    cohort, trainer, trainee, monkeypatch
):
    now = timezone.now()
    request = notifications.request_reminders(
        cohort=cohort, trainees=[trainee], sent_by=trainer, now=now
    )
    ids = [r.pk for r in request.reminders]

    def refuse(*args, **kwargs):
        raise ConnectionRefusedError("mail server down")

    with monkeypatch.context() as patch:
        patch.setattr("django.core.mail.backends.locmem.EmailBackend.send_messages", refuse)
        with pytest.raises(OSError, match="mail server down"):
            notifications.send_reminders(ids, now=now)
    assert Reminder.objects.get(pk=ids[0]).sent_at is None
    assert notifications.send_reminders(ids, now=now) == 1
    assert len(mail.outbox) == 1


# --- bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("trainees", "message", "error"),
    [
        (["abc"], "", "Only trainees of this cohort can be reminded."),
        (["99999999999999999999999"], "", "Only trainees of this cohort can be reminded."),
        (["-1"], "", "Only trainees of this cohort can be reminded."),
        ([], "", "Choose at least one trainee to remind."),
        (None, "x" * 1001, "at most 1000 characters"),  # None: Amina, a valid choice
    ],
)
def test_bad_input_is_a_form_error_and_nothing_is_sent(
    cohort,
    trainer,
    trainee,
    client_for,
    django_capture_on_commit_callbacks,
    trainees,
    message,
    error,
):
    data = {"trainees": [trainee.pk] if trainees is None else trainees, "message": message}
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(trainer).post(remind_url(cohort), data)
    assert response.status_code == 200
    assert error in response.text
    assert "Nothing was sent." in response.text
    assert not Reminder.objects.exists()
    assert mail.outbox == []


def test_another_cohorts_trainee_cannot_be_slipped_in(
    cohort, small, trainer, trainee, client_for, django_capture_on_commit_callbacks
):
    elsewhere = make_cohort(small.course, [trainer], name="Quito 2026")
    stranger = make_user("sofia@example.org", "Sofía Vega")
    add_member(elsewhere, stranger)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(trainer).post(
            remind_url(cohort), {"trainees": [trainee.pk, stranger.pk]}
        )
    assert response.status_code == 200
    assert "Only trainees of this cohort can be reminded." in response.text
    assert 'aria-describedby="id_trainees_error"' in response.text
    assert "checked" in checkbox(response.text, trainee)  # the choice is kept
    assert not Reminder.objects.exists()
    assert mail.outbox == []


# --- who may remind -------------------------------------------------------------------------


def test_another_trainer_gets_404_and_sends_nothing(
    cohort, other_trainer, trainee, client_for, django_capture_on_commit_callbacks
):
    client = client_for(other_trainer)
    assert client.get(remind_url(cohort)).status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(remind_url(cohort), {"trainees": [trainee.pk]})
    assert response.status_code == 404
    assert not Reminder.objects.exists()
    assert mail.outbox == []


def test_a_trainee_is_refused(cohort, trainee, client_for):
    client = client_for(trainee)
    assert client.get(remind_url(cohort)).status_code == 403
    assert client.post(remind_url(cohort), {"trainees": [trainee.pk]}).status_code == 403
    assert not Reminder.objects.exists()


def test_an_anonymous_visitor_is_sent_to_log_in(cohort, trainee, client):
    for response in (
        client.get(remind_url(cohort)),
        client.post(remind_url(cohort), {"trainees": [trainee.pk]}),
    ):
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    assert not Reminder.objects.exists()


def test_an_administrator_may_remind(
    cohort, administrator, trainee, client_for, django_capture_on_commit_callbacks
):
    client = client_for(administrator)
    assert client.get(remind_url(cohort)).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(remind_url(cohort), {"trainees": [trainee.pk]})
    assert response.status_code == 302
    assert mail.outbox[0].reply_to == ["ada@example.org"]


# --- at the same instant (PostgreSQL) ---------------------------------------------------------


def _at_once(action, threads: int = 6) -> list:
    import threading

    barrier = threading.Barrier(threads)
    results: list = [None] * threads
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[i] = action()
        except BaseException as error:  # noqa: BLE001 - re-raised below
            errors.append(error)
        finally:
            connection.close()

    workers = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    assert not any(worker.is_alive() for worker in workers), "a thread is stuck"
    if errors:
        raise errors[0]
    return results


@pytest.fixture
def plain_cohort(small):
    """Users without roles: a transactional test's flush removed the role groups."""
    trainer = make_user("tess@example.org", "Tess Trainer")
    trainee = make_user("amina@example.org", "Amina Diallo")
    cohort = make_cohort(small.course, [trainer])
    add_member(cohort, trainee)
    return cohort, trainer, trainee


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="concurrent transactions need PostgreSQL"
)
@pytest.mark.django_db(transaction=True)
def test_simultaneous_requests_remind_once(plain_cohort):
    cohort, trainer, trainee = plain_cohort
    now = timezone.now()
    _at_once(
        lambda: notifications.request_reminders(
            cohort=cohort, trainees=[trainee], sent_by=trainer, now=now
        )
    )
    assert Reminder.objects.filter(user=trainee).count() == 1
    assert len(mail.outbox) == 1  # sent after the one commit that created it


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="concurrent transactions need PostgreSQL"
)
@pytest.mark.django_db(transaction=True)
def test_workers_sending_the_same_reminders_at_once_send_each_once(plain_cohort):
    cohort, trainer, trainee = plain_cohort
    now = timezone.now()
    others = [make_user(f"p{i}@example.org", f"Peer {i}") for i in range(4)]
    for user in others:
        add_member(cohort, user)
    reminders = [
        Reminder.objects.create(cohort=cohort, user=user, sent_by=trainer, requested_at=now)
        for user in [trainee, *others]
    ]
    ids = [r.pk for r in reminders]
    sent = _at_once(lambda: notifications.send_reminders(ids, now=now))
    assert sum(sent) == 5
    assert sorted(m.to[0] for m in mail.outbox) == sorted(u.email for u in [trainee, *others])
