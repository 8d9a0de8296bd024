from django.core.management.base import BaseCommand

from framework_content.loading import DATA_FILE, load_framework, read_reference


class Command(BaseCommand):
    help = "Load MIGOF, the indicator frameworks, the crosswalk and the key documents (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--file", default=str(DATA_FILE), help="Reference data file (YAML).")

    def handle(self, *args, **options):
        from pathlib import Path

        report = load_framework(read_reference(Path(options["file"])))
        if not report.changed:
            self.stdout.write("Framework data already up to date: nothing changed.")
            return
        for kind, n in sorted(report.created.items()):
            self.stdout.write(f"created {n} {kind}")
        for kind, n in sorted(report.updated.items()):
            self.stdout.write(f"updated {n} {kind}")
        self.stdout.write(self.style.SUCCESS("Framework data loaded."))
