"""Security events reach the `migof.security` log once each, with who and from where, and
no password, code, quiz answer or typed e-mail reaches any log at any level."""

from __future__ import annotations

import logging

import pytest
from django.test import Client, RequestFactory
from django.urls import resolve, reverse

from accounts.choices import Role
from accounts.security_log import account_ref, logged_path
from quizzes.models import Attempt
from quizzes.questions import QuestionKind
from tests.mfa import activate_totp, totp_code
from tests.quizzes.builders import make_module, make_question, make_quiz

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-9"
WRONG_PASSWORD = "Wr0ng-Zebra-Quartz-7731"
QUIZ_ANSWER = "Quixotic-Answer-Marmalade-4412"
EMAIL = "learner.private@example.org"
IP = "127.0.0.1"  # Django's test client


@pytest.fixture
def every_record(caplog):
    """Every record of every logger at every level, also of loggers that do not propagate
    to the root (django.request, for one)."""
    changed = []
    for name in ["", *list(logging.root.manager.loggerDict)]:
        logger = logging.getLogger(name)
        if isinstance(logger, logging.PlaceHolder):
            continue
        changed.append((logger, logger.level))
        logger.setLevel(logging.DEBUG)
        if name and not logger.propagate:
            logger.addHandler(caplog.handler)
    caplog.handler.setLevel(logging.DEBUG)
    yield caplog
    for logger, level in changed:
        logger.setLevel(level)
        if caplog.handler in logger.handlers:
            logger.removeHandler(caplog.handler)


def events(caplog, name: str) -> list[logging.LogRecord]:
    return [
        r for r in caplog.records if r.name == "migof.security" and getattr(r, "event", "") == name
    ]


def everything_logged(caplog) -> str:
    """All that any record holds: its message, arguments, extra fields and traceback."""
    parts = []
    for record in caplog.records:
        parts.append(record.getMessage())
        parts.extend(repr(value) for value in record.__dict__.values())
    return "\n".join(parts)


def log_in(client, email=EMAIL, password=PASSWORD):
    return client.post(reverse("account_login"), {"login": email, "password": password})


@pytest.fixture
def make_user(db):
    """A person with a verified e-mail address (allauth lets them log in) in a role."""
    from allauth.account.models import EmailAddress
    from django.contrib.auth.models import Group

    from accounts.models import User

    def make(email, *, role, password=PASSWORD):
        user = User.objects.create_user(email=email, password=password)
        user.groups.add(Group.objects.get(name=role))
        EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
        return user

    return make


@pytest.fixture
def learner(make_user):
    return make_user(EMAIL, role=Role.TRAINEES.value)


def test_a_login_is_logged_once_with_user_and_address(client, learner, every_record):
    assert log_in(client).status_code == 302
    [record] = events(every_record, "login")
    assert record.user_id == str(learner.pk) and record.ip == IP
    assert record.levelno == logging.INFO
    assert f"user_id={learner.pk}" in record.getMessage()


def test_a_failed_login_is_logged_without_password_or_email(client, learner, every_record):
    response = log_in(client, password=WRONG_PASSWORD)
    assert response.status_code == 200  # the form again, with its error
    [record] = events(every_record, "login_failed")
    assert record.ip == IP and record.levelno == logging.WARNING
    assert record.account == account_ref(EMAIL) == account_ref(EMAIL.upper())
    text = everything_logged(every_record)
    assert WRONG_PASSWORD not in text
    assert EMAIL not in text and EMAIL.split("@")[0] not in text


def test_a_logout_is_logged_once(client, learner, every_record):
    log_in(client)
    client.post(reverse("account_logout"))
    [record] = events(every_record, "logout")
    assert record.user_id == str(learner.pk) and record.ip == IP


def test_a_wrong_two_factor_code_is_logged_without_the_code(client, make_user, every_record):
    editor = make_user("editor.private@example.org", role=Role.EDITORS.value)
    activate_totp(editor)
    log_in(client, email=editor.email)
    wrong = totp_code(step=10)  # five minutes ahead: outside the accepted window
    response = client.post(reverse("mfa_authenticate"), {"code": wrong})
    assert response.status_code == 200 and "_auth_user_id" not in client.session
    [record] = events(every_record, "mfa_failed")
    assert record.user_id == str(editor.pk) and record.ip == IP
    assert record.authenticator == "totp"
    assert not events(every_record, "login")
    assert f"code={wrong}" not in everything_logged(every_record)
    assert f"'{wrong}'" not in everything_logged(every_record)


def test_a_permission_denial_is_logged_once(client, learner, every_record):
    client.force_login(learner)
    assert client.get("/trainer/").status_code == 403  # trainees have no workspace
    [record] = events(every_record, "permission_denied")
    assert (record.user_id, record.ip, record.method, record.path) == (
        str(learner.pk),
        IP,
        "GET",
        "/trainer/",
    )


def test_a_csrf_failure_is_logged_as_a_permission_denial(learner, every_record):
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("account_login"), {"login": EMAIL, "password": WRONG_PASSWORD})
    assert response.status_code == 403
    [record] = events(every_record, "permission_denied")
    assert record.user_id == "-" and record.path == reverse("account_login")
    assert WRONG_PASSWORD not in everything_logged(every_record)


def test_too_many_failed_logins_are_logged_as_a_rate_limit(client, learner, every_record):
    for _ in range(6):  # ACCOUNT_RATE_LIMITS: 5 failed log-ins per account
        log_in(client, password=WRONG_PASSWORD)
    assert len(events(every_record, "login_failed")) == 5
    [record] = events(every_record, "rate_limited")
    assert record.action == "login_failed" and record.ip == IP
    # The right password is refused now too, and that is the second refusal.
    log_in(client)
    assert "_auth_user_id" not in client.session
    assert len(events(every_record, "rate_limited")) == 2
    assert WRONG_PASSWORD not in everything_logged(every_record)


def test_a_429_response_is_logged_without_the_code_tried(client, learner, settings, every_record):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "join_cohort": "1/m/user"}
    client.force_login(learner)
    assert client.get("/join/NOPE1234/").status_code == 404  # no such cohort
    assert client.get("/join/NOPE5678/").status_code == 429  # one try a minute
    [record] = events(every_record, "rate_limited")
    assert record.user_id == str(learner.pk) and record.path == "/join/<code>/"
    assert not events(every_record, "permission_denied")


def test_secrets_in_a_path_are_not_logged():
    request = RequestFactory().get("/invitation/MTIz/cq7-0123456789abcdef/?next=/secret/")
    request.resolver_match = resolve("/invitation/MTIz/cq7-0123456789abcdef/")
    assert logged_path(request) == "/invitation/<uidb64>/<token>/"


def test_a_quiz_answer_never_reaches_the_log(client, learner, framework, every_record):
    quiz = make_quiz(make_module("P2"), [make_question(QuestionKind.SHORT_ANSWER)])
    client.force_login(learner)
    response = client.post(quiz.url + "start/")
    attempt = Attempt.objects.get(pk=int(response.url.rstrip("/").rsplit("/", 1)[1]))
    base = f"{quiz.url}attempts/{attempt.pk}/"
    answer = {"q1-shown": "1", "q1": QUIZ_ANSWER}
    assert client.post(base + "save/", answer, HTTP_ACCEPT="application/json").status_code == 200
    client.post(base + "submit/", answer)
    assert QUIZ_ANSWER in str(attempt.items.get().answer)  # the answer was recorded...
    # ...and, with a log-in with a wrong password, never logged at any level.
    client.logout()
    log_in(client, password=WRONG_PASSWORD)
    assert every_record.records, "nothing was captured: the check below would prove nothing"
    text = everything_logged(every_record)
    assert QUIZ_ANSWER not in text
    assert WRONG_PASSWORD not in text
