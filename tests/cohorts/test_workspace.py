"""The workspace's own pages: the cohort list, creating and editing a cohort."""

from __future__ import annotations

from datetime import date

import pytest

from cohorts.models import Cohort

from .conftest import make_cohort

pytestmark = pytest.mark.django_db


def test_a_trainer_lists_only_the_cohorts_they_train(small, trainer, other_trainer, client_for):
    mine = make_cohort(small.course, [trainer], name="Mine in Dakar")
    make_cohort(small.course, [other_trainer], name="Someone else's in Quito")
    response = client_for(trainer).get("/trainer/")
    assert response.status_code == 200
    assert mine.name in response.text
    assert "Quito" not in response.text
    assert mine.join_code in response.text


def test_an_administrator_lists_every_cohort(small, trainer, administrator, client_for):
    make_cohort(small.course, [trainer], name="Mine in Dakar")
    response = client_for(administrator).get("/trainer/")
    assert "Mine in Dakar" in response.text
    assert "All cohorts" in response.text


def test_a_trainee_is_refused_and_an_anonymous_visitor_sent_to_log_in(trainee, client_for, client):
    assert client_for(trainee).get("/trainer/").status_code == 403
    assert client_for(trainee).get("/trainer/cohorts/new/").status_code == 403
    response = client.get("/trainer/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_a_trainer_creates_a_cohort_and_runs_it(small, trainer, other_trainer, client_for):
    response = client_for(trainer).post(
        "/trainer/cohorts/new/",
        {
            "name": "Border officials, Dakar",
            "course": small.course.pk,
            "country": "SN",
            "region": "africa",
            "host_organisation": "Ministry of the Interior",
            "starts_on": "2026-12-01",
            "ends_on": "2026-12-05",
            "trainers": [other_trainer.pk],
            "joining_open": "on",
        },
    )
    cohort = Cohort.objects.get(name="Border officials, Dakar")
    assert response.status_code == 302
    assert response["Location"] == f"/trainer/cohorts/{cohort.pk}/"
    assert set(cohort.trainers.all()) == {trainer, other_trainer}
    assert cohort.created_by == trainer
    assert len(cohort.join_code) == 8


def test_dates_the_wrong_way_round_are_a_form_error(small, trainer, client_for):
    response = client_for(trainer).post(
        "/trainer/cohorts/new/",
        {
            "name": "Backwards",
            "course": small.course.pk,
            "region": "africa",
            "starts_on": "2026-12-05",
            "ends_on": "2026-12-01",
        },
    )
    assert response.status_code == 200
    assert "The end date cannot be before the start date." in response.text
    assert not Cohort.objects.filter(name="Backwards").exists()


def test_another_trainer_cannot_edit_a_cohort(cohort, other_trainer, client_for):
    client = client_for(other_trainer)
    assert client.get(f"/trainer/cohorts/{cohort.pk}/edit/").status_code == 404
    response = client.post(
        f"/trainer/cohorts/{cohort.pk}/edit/",
        {
            "name": "Taken over",
            "course": cohort.course_id,
            "region": "africa",
            "starts_on": "2026-01-01",
            "ends_on": "2026-01-02",
            "trainers": [other_trainer.pk],
        },
    )
    assert response.status_code == 404
    cohort.refresh_from_db()
    assert cohort.name == "Dakar 2026"


def test_editing_keeps_at_least_one_trainer(cohort, trainer, client_for):
    response = client_for(trainer).post(
        f"/trainer/cohorts/{cohort.pk}/edit/",
        {
            "name": "Renamed",
            "course": cohort.course_id,
            "region": "africa",
            "starts_on": date(2026, 1, 1),
            "ends_on": date(2026, 1, 2),
        },
    )
    assert response.status_code == 200
    assert "A cohort needs at least one trainer." in response.text


def test_a_trainee_sees_their_training_group_on_their_dashboard(cohort, trainee, client_for):
    response = client_for(trainee).get("/dashboard/")
    assert response.status_code == 200
    section = response.text.split('id="my-cohorts-heading"', 1)[1]
    assert cohort.name in section
    assert "Tess Trainer" in section
    assert cohort.course.title in section


def test_a_learner_in_no_group_is_told_how_to_join_one(small, client_for):
    from .conftest import make_user

    response = client_for(make_user("solo@example.org", "Solo Learner")).get("/dashboard/")
    assert "You are not in any cohort." in response.text
    assert 'href="/join/"' in response.text
