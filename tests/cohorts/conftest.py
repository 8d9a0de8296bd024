"""Cohorts for the trainer workspace: a small course (2 modules × 2 lessons, from
tests/courses/conftest.py), trainers with TOTP (the workspace needs it), trainees.

Clients: `client_for(user)` returns a Django test client logged in as `user`.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.utils import timezone

from accounts.choices import Role
from cohorts.models import Cohort, Membership, MembershipSource
from tests.courses.conftest import (  # noqa: F401 - fixtures shared with the courses tests
    course_index,
    make_course,
    make_module,
    make_small_course,
    small,
)
from tests.mfa import activate_totp


def make_user(email: str, full_name: str = "", *, role: Role | None = None, **fields):
    from accounts.models import User

    user = User.objects.create_user(
        email=email,
        password="pw-0123456789",  # noqa: S106 - test credential
        full_name=full_name or email.split("@")[0].title(),
        **fields,
    )
    if role is not None:
        user.groups.add(Group.objects.get(name=role))
    if role in (Role.TRAINERS, Role.EDITORS, Role.ADMINISTRATORS):
        activate_totp(user)  # staff reach /trainer/ only with two-factor authentication
    return user


def make_cohort(course, trainers, *, name: str = "Dakar 2026", **fields) -> Cohort:
    today = timezone.localdate()
    fields.setdefault("starts_on", today - timedelta(days=10))
    fields.setdefault("ends_on", today + timedelta(days=10))
    fields.setdefault("region", "africa")
    fields.setdefault("country", "SN")
    cohort = Cohort.objects.create(name=name, course=course, **fields)
    cohort.trainers.set(trainers)
    return cohort


def add_member(cohort: Cohort, user, *, source=MembershipSource.CODE) -> Membership:
    """A trainee in the cohort, enrolled in its course (as joining does)."""
    from courses.choices import EnrolmentSource
    from courses.models import Enrolment

    now = timezone.now()
    Enrolment.objects.get_or_create(
        user=user,
        course=cohort.course,
        defaults={"enrolled_at": now, "source": EnrolmentSource.COHORT},
    )
    return Membership.objects.create(cohort=cohort, user=user, source=source, joined_at=now)


@pytest.fixture
def trainer(db):
    return make_user("tess@example.org", "Tess Trainer", role=Role.TRAINERS)


@pytest.fixture
def other_trainer(db):
    return make_user("omar@example.org", "Omar Other", role=Role.TRAINERS)


@pytest.fixture
def administrator(db):
    return make_user("ada@example.org", "Ada Admin", role=Role.ADMINISTRATORS)


@pytest.fixture
def trainee(db):
    return make_user("amina@example.org", "Amina Diallo", role=Role.TRAINEES, country="SN")


@pytest.fixture
def cohort(small, trainer, trainee) -> Cohort:  # noqa: F811 - the imported fixture
    """A running cohort of the small course, run by `trainer`, with `trainee` in it."""
    cohort = make_cohort(small.course, [trainer])
    add_member(cohort, trainee)
    return cohort


@pytest.fixture
def client_for(db):
    def make(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


__all__ = ["add_member", "date", "make_cohort", "make_user"]
