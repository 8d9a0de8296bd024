"""Someone else's objects: another user of the same role gets 404, exactly as for an object
that does not exist, and nothing of the owner's shows or changes.

- Learners: a quiz attempt (the page, saving answers, submitting, the review with its
  answers) and a certificate file belong to the trainee; another trainee gets 404.
- Trainers: a cohort's pages (the trainees' progress, quiz statistics, editing, inviting,
  reminding, exporting) belong to its trainers; another trainer gets 404. An export belongs
  to whoever asked for it, even an administrator gets 404.
- The programme report has no object in its URL: a cohort or course outside the trainer's
  own is left out of the filters (with a notice), so nothing of it is counted or exported.

The objects are those of tests/security/conftest.py (`world`).
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from cohorts.models import Cohort, ExportJob, Membership, Reminder
from quizzes.choices import AttemptState
from quizzes.models import Attempt, AttemptQuestion
from tests.quizzes.builders import form, right_fields
from tests.security.conftest import (
    ADMINISTRATOR,
    OTHER_TRAINEE,
    OTHER_TRAINER,
    TRAINER,
    World,
)

pytestmark = pytest.mark.django_db

MISSING_ID = 987654321
OWNER_NAME = "Amina Diallo"  # the trainee's name (tests/security/conftest.py)
COHORT_NAME = "Dakar 2026"  # the trainer's cohort


def assert_not_found(response, missing_response, *secrets: str) -> None:
    """404, like an object that does not exist, and none of the owner's data in the page."""
    assert response.status_code == 404, response.status_code
    assert missing_response.status_code == 404
    body = b"".join(response.streaming_content) if response.streaming else response.content
    for secret in secrets:
        assert secret.encode() not in body, f"{secret!r} leaked in the 404 page"


def attempt_url(world: World, attempt_id: int, route: str = "", quiz=None) -> str:
    quiz = quiz or world.quiz
    return f"{quiz.url}attempts/{attempt_id}/{route}"


def answers_snapshot(attempt: Attempt) -> list[tuple]:
    return list(
        AttemptQuestion.objects.filter(attempt=attempt)
        .order_by("position")
        .values_list("answer", "answered_at", "score", "correct")
    )


# --- quiz attempts: the trainee's own ----------------------------------------------------------


@pytest.mark.parametrize("which", ["attempt_open", "attempt_done"])
def test_another_trainee_cannot_open_an_attempt_or_its_review(world, which):
    attempt = getattr(world, which)
    owner = world.client("trainee").get(attempt_url(world, attempt.pk))
    assert owner.status_code == 200  # the form while open, the review with answers after
    other = world.client(OTHER_TRAINEE)
    assert_not_found(
        other.get(attempt_url(world, attempt.pk)),
        other.get(attempt_url(world, MISSING_ID)),
        OWNER_NAME,
    )


def test_an_attempt_is_only_found_under_its_own_quiz(world):
    """The owner too: an attempt id under another quiz's URL is not found."""
    owner = world.client("trainee")
    url = attempt_url(world, world.attempt_done.pk, quiz=world.other_quiz)
    assert owner.get(url).status_code == 404


@pytest.mark.parametrize("accept", ["text/html", "application/json"])
def test_saving_answers_into_someone_elses_attempt_is_404_and_writes_nothing(world, accept):
    attempt = world.attempt_open
    before = answers_snapshot(attempt)
    saved_at = Attempt.objects.get(pk=attempt.pk).last_saved_at
    data = form(*[right_fields(item) for item in attempt.items.all()])
    other = world.client(OTHER_TRAINEE)

    response = other.post(attempt_url(world, attempt.pk, "save/"), data, HTTP_ACCEPT=accept)
    missing = other.post(attempt_url(world, MISSING_ID, "save/"), data, HTTP_ACCEPT=accept)

    assert_not_found(response, missing, OWNER_NAME)
    assert answers_snapshot(attempt) == before
    assert Attempt.objects.get(pk=attempt.pk).last_saved_at == saved_at


def test_submitting_someone_elses_attempt_is_404_and_grades_nothing(world):
    attempt = world.attempt_open
    before = answers_snapshot(attempt)
    data = form(*[right_fields(item) for item in attempt.items.all()])
    other = world.client(OTHER_TRAINEE)

    response = other.post(attempt_url(world, attempt.pk, "submit/"), data)
    missing = other.post(attempt_url(world, MISSING_ID, "submit/"), data)

    assert_not_found(response, missing, OWNER_NAME)
    attempt.refresh_from_db()
    assert attempt.state == AttemptState.IN_PROGRESS and attempt.score is None
    assert answers_snapshot(attempt) == before


@pytest.mark.parametrize("role", [TRAINER, ADMINISTRATOR])
def test_staff_cannot_write_into_a_learners_attempt_either(world, role):
    attempt = world.attempt_open
    before = answers_snapshot(attempt)
    data = form(*[right_fields(item) for item in attempt.items.all()])
    client = world.client(role)
    for route in ("save/", "submit/"):
        assert client.post(attempt_url(world, attempt.pk, route), data).status_code == 404
    attempt.refresh_from_db()
    assert attempt.state == AttemptState.IN_PROGRESS
    assert answers_snapshot(attempt) == before


# --- certificates: the file is the learner's ---------------------------------------------------


@pytest.mark.parametrize("role", [OTHER_TRAINEE, TRAINER, ADMINISTRATOR])
def test_only_the_learner_downloads_their_certificate(world, role):
    code = world.certificate.code
    owner = world.client("trainee").get(reverse("certificate_download", args=[code]))
    assert owner.status_code == 200 and owner["Content-Type"] == "application/pdf"
    client = world.client(role)
    assert_not_found(
        client.get(reverse("certificate_download", args=[code])),
        client.get(reverse("certificate_download", args=["NOPE-NOPE-NOPE"])),
        OWNER_NAME,
        "%PDF",
    )


# --- cohorts: their trainers' (and administrators') ---------------------------------------------


COHORT_PAGES = ["cohorts:detail", "cohorts:edit", "cohorts:invite", "cohorts:remind"]


@pytest.mark.parametrize("name", COHORT_PAGES)
def test_another_trainer_cannot_open_a_cohorts_pages(world, name):
    assert world.client(TRAINER).get(reverse(name, args=[world.cohort.pk])).status_code == 200
    other = world.client(OTHER_TRAINER)
    assert_not_found(
        other.get(reverse(name, args=[world.cohort.pk])),
        other.get(reverse(name, args=[MISSING_ID])),
        OWNER_NAME,
        COHORT_NAME,
        world.cohort.join_code,
    )


def test_another_trainer_cannot_read_a_cohorts_quiz_statistics(world):
    url = reverse("cohorts:quiz_statistics", args=[world.cohort.pk, world.quiz.pk])
    assert world.client(TRAINER).get(url).status_code == 200
    other = world.client(OTHER_TRAINER)
    missing = reverse("cohorts:quiz_statistics", args=[MISSING_ID, world.quiz.pk])
    assert_not_found(other.get(url), other.get(missing), OWNER_NAME, COHORT_NAME)


def test_a_quiz_outside_the_cohorts_course_is_not_found_even_for_its_trainer(world):
    from tests.quizzes.builders import make_module, make_quiz

    stray = make_quiz(make_module("O2"), [], title="Elsewhere")
    url = reverse("cohorts:quiz_statistics", args=[world.cohort.pk, stray.pk])
    assert world.client(TRAINER).get(url).status_code == 404


def test_another_trainer_cannot_edit_a_cohort(world):
    cohort = world.cohort
    data = {
        "name": "Taken over",
        "course": cohort.course_id,
        "country": "EC",
        "region": cohort.region,
        "starts_on": cohort.starts_on.isoformat(),
        "ends_on": cohort.ends_on.isoformat(),
        "trainers": [world.users[OTHER_TRAINER].pk],
        "joining_open": "on",
    }
    other = world.client(OTHER_TRAINER)
    response = other.post(reverse("cohorts:edit", args=[cohort.pk]), data)
    missing = other.post(reverse("cohorts:edit", args=[MISSING_ID]), data)
    assert_not_found(response, missing, OWNER_NAME, COHORT_NAME)
    cohort = Cohort.objects.get(pk=cohort.pk)
    assert cohort.name == COHORT_NAME and cohort.country == "SN"
    assert list(cohort.trainers.all()) == [world.users[TRAINER]]


def test_another_trainer_cannot_invite_into_a_cohort(world):
    from accounts.models import User

    members = Membership.objects.filter(cohort=world.cohort).count()
    users = User.objects.count()
    data = {"way": "list", "list-addresses": "newcomer@example.org"}
    other = world.client(OTHER_TRAINER)
    response = other.post(reverse("cohorts:invite", args=[world.cohort.pk]), data)
    missing = other.post(reverse("cohorts:invite", args=[MISSING_ID]), data)
    assert_not_found(response, missing, OWNER_NAME, COHORT_NAME)
    assert Membership.objects.filter(cohort=world.cohort).count() == members
    assert User.objects.count() == users


def test_another_trainer_cannot_remind_a_cohorts_trainees(world, mailoutbox):
    data = {"trainees": [world.users["trainee"].pk], "message": "Hurry up."}
    other = world.client(OTHER_TRAINER)
    response = other.post(reverse("cohorts:remind", args=[world.cohort.pk]), data)
    missing = other.post(reverse("cohorts:remind", args=[MISSING_ID]), data)
    assert_not_found(response, missing, OWNER_NAME, COHORT_NAME)
    assert not Reminder.objects.exists()
    assert not mailoutbox


def test_another_trainer_cannot_export_a_cohort(world):
    jobs = ExportJob.objects.count()
    other = world.client(OTHER_TRAINER)
    response = other.post(reverse("cohorts:export", args=[world.cohort.pk]), {"format": "csv"})
    missing = other.post(reverse("cohorts:export", args=[MISSING_ID]), {"format": "csv"})
    assert_not_found(response, missing, OWNER_NAME, COHORT_NAME)
    assert ExportJob.objects.count() == jobs


def test_an_administrator_reaches_every_cohort(world):
    admin = world.client(ADMINISTRATOR)
    for cohort in (world.cohort, world.other_cohort):
        for name in COHORT_PAGES:
            assert admin.get(reverse(name, args=[cohort.pk])).status_code == 200


# --- exports: the requester's alone --------------------------------------------------------------


@pytest.mark.parametrize("role", [OTHER_TRAINER, ADMINISTRATOR])
@pytest.mark.parametrize("name", ["cohorts:export_status", "cohorts:export_download"])
def test_only_the_requester_sees_an_export(world, role, name):
    job = world.export_job
    owner = world.client(TRAINER).get(reverse(name, args=[job.pk]))
    assert owner.status_code == 200
    client = world.client(role)
    assert_not_found(
        client.get(reverse(name, args=[job.pk])),
        client.get(reverse(name, args=[MISSING_ID])),
        OWNER_NAME,
        job.filename,
    )


def test_another_trainer_cannot_follow_an_export_as_json(world):
    url = reverse("cohorts:export_status", args=[world.export_job.pk]) + "?format=json"
    assert world.client(TRAINER).get(url).status_code == 200
    other = world.client(OTHER_TRAINER)
    missing = reverse("cohorts:export_status", args=[MISSING_ID]) + "?format=json"
    assert_not_found(other.get(url), other.get(missing), world.export_job.filename)


# --- the programme report: only the trainer's own cohorts -----------------------------------------


def test_a_programme_report_never_counts_another_trainers_cohort(world):
    other = world.client(OTHER_TRAINER)
    response = other.get(reverse("cohorts:report"), {"cohort": world.cohort.pk})
    assert response.status_code == 200
    page = response.content.decode()
    assert COHORT_NAME not in page and OWNER_NAME not in page
    assert "That cohort is not one you can report on" in page
    assert "Quito 2026" in page  # their own cohort is there


def test_a_report_export_leaves_another_trainers_cohort_out(world):
    other = world.client(OTHER_TRAINER)
    response = other.post(
        reverse("cohorts:report_export"), {"cohort": world.cohort.pk, "format": "csv"}
    )
    assert response.status_code == 302
    job = ExportJob.objects.filter(requested_by=world.users[OTHER_TRAINER]).get()
    assert job.params["cohort"] == ""  # every cohort of theirs, not the trainer's one
