"""The dashboard's "My cohorts" section is kept per learner (cohorts.dashboard) and is
current at once after every change it shows: joining with the code, an invitation (written
with bulk_create, which sends no signal), a cohort renamed or moved to other dates, trainers
added, removed or renamed, a membership or a whole cohort deleted. A dashboard shown again
reads no membership."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cohorts.invitations import Invitee, invite_to_cohort
from cohorts.models import Membership

from .conftest import add_member, make_cohort, make_user

pytestmark = pytest.mark.django_db


def section(client) -> str:
    html = client.get(reverse("dashboard")).content.decode()
    return html.partition('id="my-cohorts-heading"')[2].partition("</section>")[0]


def edit(client, cohort, **changes):
    data = {
        "name": cohort.name,
        "course": cohort.course_id,
        "region": cohort.region,
        "starts_on": cohort.starts_on.isoformat(),
        "ends_on": cohort.ends_on.isoformat(),
        "trainers": [t.pk for t in cohort.trainers.all()],
        **changes,
    }
    response = client.post(f"/trainer/cohorts/{cohort.pk}/edit/", data)
    assert response.status_code == 302, response.content.decode()[:2000]


def test_joining_with_the_code_shows_the_cohort_at_once(small, trainer, client_for):
    cohort = make_cohort(small.course, [trainer], name="Lomé 2026")
    learner = make_user("kofi@example.org", "Kofi Mensah")
    client = client_for(learner)
    assert "You are not in any cohort." in section(client)
    assert client.post(f"/join/{cohort.join_code}/").status_code == 302
    shown = section(client)
    assert "Lomé 2026" in shown and "Tess Trainer" in shown
    assert "You are not in any cohort." not in shown


def test_an_invitation_shows_the_cohort_at_once(small, trainer, client_for):
    cohort = make_cohort(small.course, [trainer], name="Accra 2026")
    learner = make_user("ama@example.org", "Ama Owusu")
    client = client_for(learner)
    assert "Accra 2026" not in section(client)
    invite_to_cohort(
        cohort=cohort,
        invitees=[Invitee(email="ama@example.org")],
        invited_by=trainer,
        now=timezone.now(),
    )
    assert "Accra 2026" in section(client)


def test_a_cohort_renamed_or_moved_is_shown_as_it_is_now(cohort, trainer, trainee, client_for):
    learner_client = client_for(trainee)
    assert "Dakar 2026" in section(learner_client)
    edit(client_for(trainer), cohort, name="Dakar autumn", ends_on="2027-03-31")
    shown = section(learner_client)
    assert "Dakar autumn" in shown and "Dakar 2026" not in shown
    assert "31 March 2027" in shown


def test_trainers_added_removed_and_renamed_are_shown_at_once(
    cohort, trainer, other_trainer, trainee, client_for
):
    learner_client = client_for(trainee)
    assert "Omar Other" not in section(learner_client)
    edit(client_for(trainer), cohort, trainers=[trainer.pk, other_trainer.pk])
    assert "Omar Other" in section(learner_client)

    other_trainer.full_name = "Omar Diop"
    other_trainer.save()
    shown = section(learner_client)
    assert "Omar Diop" in shown and "Omar Other" not in shown

    cohort.trainers.remove(other_trainer)
    assert "Omar Diop" not in section(learner_client)
    other_trainer.cohorts_trained.add(cohort)  # from the trainer's side
    assert "Omar Diop" in section(learner_client)
    other_trainer.cohorts_trained.clear()
    assert "Omar Diop" not in section(learner_client)


def test_a_log_in_of_a_trainer_does_not_renew_their_trainees_sections(
    cohort, trainer, trainee, client_for
):
    learner_client = client_for(trainee)
    section(learner_client)
    trainer.last_login = timezone.now()
    with CaptureQueriesContext(connection) as queries:
        trainer.save(update_fields=["last_login"])
    assert not [q for q in queries if "cohorts_" in q["sql"]]


def test_a_membership_or_a_cohort_deleted_leaves_the_section(
    cohort, small, trainer, trainee, client_for
):
    second = make_cohort(small.course, [trainer], name="Saint-Louis 2026")
    add_member(second, trainee)
    learner_client = client_for(trainee)
    shown = section(learner_client)
    assert "Dakar 2026" in shown and "Saint-Louis 2026" in shown
    Membership.objects.get(cohort=cohort, user=trainee).delete()
    assert "Dakar 2026" not in section(learner_client)
    second.delete()
    assert "You are not in any cohort." in section(learner_client)


def test_a_dashboard_shown_again_reads_no_membership(cohort, trainee, client_for):
    client = client_for(trainee)
    assert "Dakar 2026" in section(client)
    with CaptureQueriesContext(connection) as queries:
        assert "Dakar 2026" in section(client)
    assert not [q["sql"] for q in queries if "cohorts_membership" in q["sql"]]


def test_the_section_follows_the_interface_language(cohort, trainee, client_for):
    client = client_for(trainee)
    assert "My cohorts" in client.get(reverse("dashboard")).content.decode()
    trainee.preferred_language = "fr"
    trainee.save()
    html = client.get(reverse("dashboard")).content.decode()
    assert "My cohorts" not in html
    assert "Dakar 2026" in html
