"""A demo cohort, so the trainer workspace has something to show after `make run`.

The demo trainer (trainer@example.org) runs a workshop of the introductory course with the
demo trainee and seven made-up participants (no password: they cannot log in) at different
stages: some ahead, some behind, one who never started. Dates follow today's date so the
"behind" and "inactive" flags mean something whenever the demo is loaded. Idempotent:
existing memberships and progress are kept.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from wagtail.models import Page

from accounts.models import User
from courses import services
from courses.choices import EnrolmentSource
from courses.models import CoursePage
from courses.selectors import outline_for

from .models import Cohort, Membership, MembershipSource

DEMO_JOIN_CODE = "DAKAR26W"
DEMO_COURSE_SLUG = "introduction-to-migof"

# (e-mail, full name, country, share of the course's items completed)
DEMO_PARTICIPANTS = [
    ("trainee@example.org", None, "SN", 0.25),
    ("awa.ndiaye@example.org", "Awa Ndiaye", "SN", 1.0),
    ("kwame.mensah@example.org", "Kwame Mensah", "GH", 0.8),
    ("fatou.camara@example.org", "Fatou Camara", "GM", 0.6),
    ("ibrahim.traore@example.org", "Ibrahim Traoré", "ML", 0.5),
    ("adjoa.kouassi@example.org", "Adjoa Kouassi", "CI", 0.3),
    ("chinedu.okafor@example.org", "Chinedu Okafor", "NG", 0.1),
    ("mariama.sesay@example.org", "Mariama Sesay", "SL", 0.0),
]


@transaction.atomic
def load_demo_cohort() -> Cohort | None:
    trainer = User.objects.filter(email="trainer@example.org").first()
    course = CoursePage.objects.filter(slug=DEMO_COURSE_SLUG).first()
    if trainer is None or course is None:
        return None
    today = timezone.localdate()
    cohort, _ = Cohort.objects.get_or_create(
        join_code=DEMO_JOIN_CODE,
        defaults={
            "name": "MIGOF workshop, Dakar (demo)",
            "course": course,
            "country": "SN",
            "region": "africa",
            "host_organisation": "MIGOF Academy demo",
            "starts_on": today - timedelta(days=14),
            "ends_on": today + timedelta(days=14),
            "created_by": trainer,
        },
    )
    cohort.trainers.add(trainer)
    items = [item for module in outline_for(course.pk).modules for item in module.items]
    pages = Page.objects.in_bulk([item.id for item in items])
    now = timezone.now()
    for number, (email, full_name, country, share) in enumerate(DEMO_PARTICIPANTS):
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(
                email=email, full_name=full_name, country=country, organisation="Demo ministry"
            )  # no password: a demo participant cannot log in
        membership, created = Membership.objects.get_or_create(
            cohort=cohort,
            user=user,
            defaults={
                "source": MembershipSource.CODE,
                "joined_at": now - timedelta(days=13),
            },
        )
        services.enrol(
            user=user,
            course=course,
            now=membership.joined_at,
            source=EnrolmentSource.COHORT,
            check_prerequisites=False,
        )
        if not created:
            continue
        done = int(len(items) * share)
        for position, item in enumerate(items[:done]):
            page = pages.get(item.id)
            if page is None or page.specific_class.__name__ == "QuizPage":
                continue  # quizzes are completed by passing them, not by a button
            when = now - timedelta(days=12 - min(position, 11), hours=number)
            services.start_item(user=user, page=page, now=when)
            services.complete_item(user=user, page=page, now=when)
    return cohort
