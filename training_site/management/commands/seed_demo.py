from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from accounts.demo import DEMO_PASSWORD, ensure_demo_accounts


class Command(BaseCommand):
    help = "Create the demo content and the demo accounts (idempotent). Refused in production."

    def handle(self, *args, **options):
        if settings.SETTINGS_MODULE.endswith(".production"):
            raise CommandError("seed_demo refuses to run with production settings.")
        call_command("load_framework", verbosity=0)
        from courses.demo import load_demo_courses
        from framework_content.demo import load_demo_content

        report = load_demo_content()
        courses_report = load_demo_courses()
        report.created.update(courses_report.created)
        report.updated.update(courses_report.updated)
        for kind, n in sorted(report.created.items()):
            self.stdout.write(f"created {n} {kind}")
        for kind, n in sorted(report.updated.items()):
            self.stdout.write(f"updated {n} {kind}")
        for user, created in ensure_demo_accounts():
            if created:
                self.stdout.write(f"created demo account {user.email}")
        self.stdout.write(
            self.style.SUCCESS(f"Demo ready. Every demo account's password: {DEMO_PASSWORD}")
        )
