"""Joining a cohort with its code: the form, the cohort's page and its Join button, closed
and unknown codes, and the way back from the log-in page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.utils import timezone

from cohorts import invitations
from cohorts.models import Membership, MembershipSource
from courses.choices import EnrolmentSource
from courses.models import Enrolment

from .conftest import make_cohort, make_user
from .invite_samples import counts

PASSWORD = "pw-0123456789"  # noqa: S105 - the conftest's test credential


@pytest.fixture
def learner(db):
    return make_user("jorge@example.org", "Jorge Pérez")


def spaced_lower(code: str) -> str:
    """The code as a trainee types it from a slide: lower case, with a dash and spaces."""
    return f" {code[:4].lower()}-{code[4:].lower()} "


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("k7mp-3qxd", "K7MP3QXD"), (" K7MP 3QXD ", "K7MP3QXD"), ("k7mp–3qxd", "K7MP3QXD")],
)
def test_a_code_is_read_whatever_its_case_spaces_and_dashes(typed, expected):
    assert invitations.normalise_join_code(typed) == expected
    assert invitations.looks_like_join_code(expected)


@pytest.mark.parametrize("typed", ["K7MP3QX", "K7MP3QXD9", "O0I1L000"])
def test_what_cannot_be_a_code_is_recognised(typed):
    assert not invitations.looks_like_join_code(invitations.normalise_join_code(typed))


def test_the_code_form_sends_to_the_cohort_page(cohort, learner, client_for):
    response = client_for(learner).post("/join/", {"code": spaced_lower(cohort.join_code)})
    assert response.status_code == 302
    assert response["Location"] == f"/join/{cohort.join_code}/"


def test_a_code_of_the_wrong_shape_is_a_form_error(learner, client_for):
    response = client_for(learner).post("/join/", {"code": "12345"})
    assert response.status_code == 200
    assert "A cohort code has 8 letters and digits" in response.text
    assert '<label for="id_code">' in response.text


def test_joining_with_the_code_enrols_in_the_course_once(cohort, trainer, learner, client_for):
    client = client_for(learner)
    page = client.get(f"/join/{cohort.join_code.lower()}/")
    assert page.status_code == 200
    assert cohort.name in page.text
    assert cohort.course.title in page.text
    assert "Tess Trainer" in page.text
    assert "Join the cohort" in page.text

    response = client.post(f"/join/{cohort.join_code.lower()}/")
    assert response.status_code == 302
    assert response["Location"] == cohort.course.url
    membership = Membership.objects.get(cohort=cohort, user=learner)
    assert membership.source == MembershipSource.CODE
    enrolment = Enrolment.objects.get(user=learner, course=cohort.course)
    assert enrolment.source == EnrolmentSource.COHORT
    assert "Welcome to" in client.get(cohort.course.url).text

    before = counts()
    again = client.post(f"/join/{cohort.join_code}/")
    assert again["Location"] == cohort.course.url
    assert counts() == before
    assert "You are already in" in client.get(cohort.course.url).text
    assert "You are already in this cohort." in client.get(f"/join/{cohort.join_code}/").text


def test_joining_needs_no_prerequisites_and_brings_back_a_learner_who_left(
    course_index, trainer, learner, client_for
):
    from tests.courses.conftest import make_course, make_module

    basics, _ = make_module("P1", "Basics", lessons=1)
    advanced_module, _ = make_module("O1", "Advanced", lessons=1)
    first = make_course(course_index, "First steps", [basics])
    advanced = make_course(course_index, "Advanced", [advanced_module], prerequisites=[first])
    cohort = make_cohort(advanced, [trainer])
    Enrolment.objects.create(
        user=learner, course=advanced, enrolled_at=timezone.now(), left_at=timezone.now()
    )

    response = client_for(learner).post(f"/join/{cohort.join_code}/")
    assert response.status_code == 302
    assert Membership.objects.filter(cohort=cohort, user=learner).exists()
    assert Enrolment.objects.get(user=learner, course=advanced).left_at is None


def test_a_closed_cohort_says_so_and_adds_nobody(small, trainer, learner, trainee, client_for):
    cohort = make_cohort(small.course, [trainer], joining_open=False)
    Membership.objects.create(
        cohort=cohort, user=trainee, source=MembershipSource.CODE, joined_at=timezone.now()
    )
    client = client_for(learner)
    before = counts()
    page = client.get(f"/join/{cohort.join_code}/")
    assert page.status_code == 403
    assert "Joining this cohort with its code is closed" in page.text
    refused = client.post(f"/join/{cohort.join_code}/")
    assert refused.status_code == 403
    assert counts() == before
    # Someone already in it still finds their way to the course.
    member_page = client_for(trainee).get(f"/join/{cohort.join_code}/")
    assert member_page.status_code == 200
    assert "Go to the course" in member_page.text


def test_a_cohort_that_has_ended_can_still_be_joined(small, trainer, learner, client_for):
    today = timezone.localdate()
    cohort = make_cohort(
        small.course,
        [trainer],
        starts_on=today - timedelta(days=30),
        ends_on=today - timedelta(days=2),
    )
    client = client_for(learner)
    assert "at your own pace" in client.get(f"/join/{cohort.join_code}/").text
    assert client.post(f"/join/{cohort.join_code}/").status_code == 302
    assert Membership.objects.filter(cohort=cohort, user=learner).exists()


@pytest.mark.parametrize("code", ["ZZZZZZZZ", "not-a-code-at-all"])
def test_an_unknown_code_is_a_404_that_says_what_to_do(cohort, learner, client_for, code):
    client = client_for(learner)
    before = counts()
    for response in (client.get(f"/join/{code}/"), client.post(f"/join/{code}/")):
        assert response.status_code == 404
        assert "No cohort has the code" in response.text
        assert "Check it with your trainer" in response.text
    assert counts() == before


def test_an_anonymous_visitor_logs_in_then_comes_back_to_join(cohort, learner, client):
    EmailAddress.objects.create(user=learner, email=learner.email, verified=True, primary=True)
    url = f"/join/{cohort.join_code}/"
    before = counts()
    for response in (client.get(url), client.post(url), client.get("/join/")):
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/?next=")
    assert counts() == before

    login_page = client.get(url, follow=True).redirect_chain[-1][0]
    response = client.post(login_page, {"login": learner.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == url
    assert client.post(url).status_code == 302
    assert Membership.objects.filter(cohort=cohort, user=learner).exists()


def test_trying_codes_is_slowed_by_allauths_rate_limits(cohort, learner, client_for, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "join_cohort": "3/m/user"}
    client = client_for(learner)
    for code in ("AAAAAAAA", "BBBBBBBB", "CCCCCCCC"):
        assert client.get(f"/join/{code}/").status_code == 404
    assert client.get(f"/join/{cohort.join_code}/").status_code == 429
