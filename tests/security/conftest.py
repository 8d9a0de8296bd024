"""One small site with an object of every kind a URL can point at, owned by known people.

`world` builds, in the test database:

- the seven roles of the access tests: anonymous (no user), a trainee and another trainee,
  a trainer and another trainer, an editor and an administrator. Every account has a
  verified primary e-mail address (the site requires one to log in); staff have TOTP
  (the admin and the trainer workspace require it, tests/mfa.py);
- a course of two modules (a lesson each; a quiz in the first), which the trainee and the
  other trainee follow; the trainee has a submitted and an open attempt at the quiz;
- a second one-lesson course the trainee has completed, with its certificate (and PDF);
- the trainer's cohort (the trainee in it), the other trainer's cohort (the other trainee);
- a ready export of the trainer's cohort, asked for by the trainer;
- a public document, and a page and a collection behind a password (Wagtail's forms).

`world.client(role)` is a test client logged in once as that role (anonymous: not logged
in), through allauth's log-in form and, for staff, its TOTP step.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.choices import Role

ANONYMOUS = "anonymous"
TRAINEE = "trainee"
OTHER_TRAINEE = "other_trainee"
TRAINER = "trainer"
OTHER_TRAINER = "other_trainer"
EDITOR = "editor"
ADMINISTRATOR = "administrator"
ROLES = (ANONYMOUS, TRAINEE, OTHER_TRAINEE, TRAINER, OTHER_TRAINER, EDITOR, ADMINISTRATOR)

ACCOUNTS = {
    TRAINEE: ("amina@example.org", "Amina Diallo", Role.TRAINEES),
    OTHER_TRAINEE: ("jorge@example.org", "Jorge Pérez", Role.TRAINEES),
    TRAINER: ("tess@example.org", "Tess Trainer", Role.TRAINERS),
    OTHER_TRAINER: ("omar@example.org", "Omar Other", Role.TRAINERS),
    EDITOR: ("edith@example.org", "Edith Editor", Role.EDITORS),
    ADMINISTRATOR: ("ada@example.org", "Ada Admin", Role.ADMINISTRATORS),
}
PASSWORD = "pw-0123456789"  # noqa: S105 - test credential


def make_account(email: str, full_name: str, role: Role):
    from allauth.account.models import EmailAddress

    from accounts.models import User
    from tests.mfa import activate_totp

    user = User.objects.create_user(email=email, password=PASSWORD, full_name=full_name)
    user.groups.add(Group.objects.get(name=role.value))
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    if role != Role.TRAINEES:
        activate_totp(user)
    return user


def logged_in_client(user) -> Client:
    """A client that logged in as a person does: e-mail and password on allauth's form, then
    (staff) the authenticator app's code. Its session is then the site's real one."""
    from tests.mfa import totp_code

    client = Client()
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302, f"{user.email} could not log in"
    if response["Location"] == reverse("mfa_authenticate"):
        for _try in range(2):  # a code read just as its 30 seconds end is refused: read again
            response = client.post(reverse("mfa_authenticate"), {"code": totp_code()})
            if response.status_code == 302:
                break
        assert response.status_code == 302, f"{user.email}: the TOTP code was refused"
    assert client.session.get("_auth_user_id") == str(user.pk), f"{user.email} is not logged in"
    return client


@dataclass
class World:
    users: dict
    course: object
    lessons: list
    quiz: object
    other_quiz: object
    attempt_done: object
    attempt_open: object
    completed_course: object
    certificate: object
    cohort: object
    other_cohort: object
    export_job: object
    document: object
    page_restriction: object
    collection_restriction: object
    _clients: dict = field(default_factory=dict)

    def client(self, role: str) -> Client:
        if role not in self._clients:
            user = self.users[role]
            self._clients[role] = Client() if user is None else logged_in_client(user)
        return self._clients[role]


def _build_world(home) -> World:
    from cohorts.models import ExportFormat, ExportJob, ExportStatus
    from courses import services as courses
    from courses.models import CourseIndexPage, Enrolment
    from quizzes import attempts
    from quizzes.questions import QuestionKind
    from tests.cohorts.conftest import add_member, make_cohort
    from tests.courses.conftest import make_course, make_module
    from tests.quizzes.builders import make_question, make_quiz

    now = timezone.now()
    users = {ANONYMOUS: None}
    for role, (email, name, group) in ACCOUNTS.items():
        users[role] = make_account(email, name, group)

    index = CourseIndexPage(title="Courses", slug="courses")
    home.add_child(instance=index)
    first, first_lessons = make_module("P2", "Evidence A", lessons=1)
    second, second_lessons = make_module("P3", "Evidence B", lessons=1)
    questions = [make_question(QuestionKind.SINGLE_CHOICE) for _ in range(2)]
    quiz = make_quiz(first, questions, title="Check yourself")
    other_quiz = make_quiz(second, questions, title="Check again")
    course = make_course(index, "Evidence", [first, second])
    short_module, short_lessons = make_module("O1", "Short", lessons=1)
    completed_course = make_course(index, "Short", [short_module])

    trainee, other_trainee = users[TRAINEE], users[OTHER_TRAINEE]
    for learner in (trainee, other_trainee):
        courses.enrol(user=learner, course=course, now=now)
        courses.complete_item(user=learner, page=first_lessons[0], now=now)
    attempt_done = attempts.start_attempt(user=trainee, quiz=quiz, now=now)
    attempts.submit_attempt(attempt_id=attempt_done.pk, user=trainee, answers={}, now=now)
    attempt_open = attempts.start_attempt(user=trainee, quiz=quiz, now=now + timedelta(seconds=1))
    courses.enrol(user=trainee, course=completed_course, now=now)
    courses.complete_item(user=trainee, page=short_lessons[0], now=now)
    enrolment = Enrolment.objects.get(user=trainee, course=completed_course)
    certificate = courses.issue_certificate(enrolment_id=enrolment.pk, now=now)

    cohort = make_cohort(course, [users[TRAINER]], name="Dakar 2026")
    add_member(cohort, trainee)
    other_cohort = make_cohort(course, [users[OTHER_TRAINER]], name="Quito 2026")
    add_member(other_cohort, other_trainee)

    export_job = ExportJob.objects.create(
        kind="cohort_matrix",
        params={"cohort_id": cohort.pk},
        file_format=ExportFormat.CSV,
        requested_by=users[TRAINER],
        status=ExportStatus.READY,
        progress=100,
        filename="dakar-2026.csv",
        finished_at=now,
    )
    export_job.file.save("dakar-2026.csv", ContentFile(b"name,progress\nAmina Diallo,50\n"))

    from wagtail.documents import get_document_model
    from wagtail.models import Collection, CollectionViewRestriction, Page, PageViewRestriction

    document = get_document_model().objects.create(
        title="Guidance note", file=ContentFile(b"Guidance.", name="guidance-note.txt")
    )
    hidden = home.add_child(instance=Page(title="Staff only", slug="staff-only"))
    page_restriction = PageViewRestriction.objects.create(
        page=hidden, restriction_type=PageViewRestriction.PASSWORD, password="pw-page"
    )
    private = Collection.get_first_root_node().add_child(name="Private")
    collection_restriction = CollectionViewRestriction.objects.create(
        collection=private, restriction_type=CollectionViewRestriction.PASSWORD, password="pw-c"
    )

    return World(
        users=users,
        course=course,
        lessons=[*first_lessons, *second_lessons],
        quiz=quiz,
        other_quiz=other_quiz,
        attempt_done=attempt_done,
        attempt_open=attempt_open,
        completed_course=completed_course,
        certificate=certificate,
        cohort=cohort,
        other_cohort=other_cohort,
        export_job=export_job,
        document=document,
        page_restriction=page_restriction,
        collection_restriction=collection_restriction,
    )


@pytest.fixture
def world(framework, settings, tmp_path) -> World:
    from cohorts.models import ExportJob

    settings.MEDIA_ROOT = tmp_path / "media"
    storage = ExportJob._meta.get_field("file").storage
    original = storage.location
    storage.location = str(tmp_path / "exports")  # never the shared test media folder
    try:
        yield _build_world(framework)
    finally:
        storage.location = original
