from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from accounts.demo import DEMO_PASSWORD, ensure_demo_accounts


class Command(BaseCommand):
    help = "Create the demo content and the demo accounts (idempotent). Refused in production."

    def handle(self, *args, **options):
        if (settings.SETTINGS_MODULE or "").endswith(".production"):
            raise CommandError("seed_demo refuses to run with production settings.")
        call_command("load_framework", verbosity=0)
        from case_studies.demo import load_demo_case_studies
        from courses.demo import load_demo_courses
        from framework_content.demo import load_demo_content
        from quizzes.demo import load_demo_quizzes

        report = load_demo_content()
        courses_report = load_demo_courses()
        case_studies_report = load_demo_case_studies()
        quizzes_report = load_demo_quizzes()
        for extra in (courses_report, case_studies_report, quizzes_report):
            report.created.update(extra.created)
            report.updated.update(extra.updated)
        for kind, n in sorted(report.created.items()):
            self.stdout.write(f"created {n} {kind}")
        for kind, n in sorted(report.updated.items()):
            self.stdout.write(f"updated {n} {kind}")
        call_command("rebuild_guidance_index", stdout=self.stdout)  # search finds the demo
        for user, created in ensure_demo_accounts():
            if created:
                self.stdout.write(f"created demo account {user.email}")
        from cohorts.demo import load_demo_cohort

        cohort = load_demo_cohort()  # needs the demo trainer, so after the accounts
        if cohort is not None:
            self.stdout.write(f"demo cohort “{cohort.name}”, join code {cohort.join_code}")
        self.stdout.write(
            self.style.SUCCESS(f"Demo ready. Every demo account's password: {DEMO_PASSWORD}")
        )
