import json
from pathlib import Path

from django.core.management.base import BaseCommand

from bench.data import build, rebuilt_from_database, sizes_of
from bench.manifest import build_manifest


class Command(BaseCommand):
    help = (
        "Build the benchmark data set on an empty database (demo site plus synthetic "
        "courses, learners, cohorts, progress, attempts and search entries, times --scale) "
        "and write the manifest of requests bench/run.py sends."
    )

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=float, default=1.0)
        parser.add_argument("--manifest", required=True, type=Path)
        parser.add_argument(
            "--manifest-only",
            action="store_true",
            help="write a fresh manifest (new sessions, unsubmitted attempts) for data "
            "already built, without building anything",
        )

    def handle(self, *args, scale, manifest, manifest_only, **options):
        if manifest_only:
            built = rebuilt_from_database()
            built.sizes = json.loads(manifest.read_text())["sizes"] if manifest.exists() else {}
        else:
            built = build(scale, stdout=self.stdout)
        sizes = sizes_of(built)
        data = build_manifest(built, sizes)
        manifest.parent.mkdir(parents=True, exist_ok=True)
        manifest.write_text(json.dumps(data, indent=1))
        self.stdout.write(self.style.SUCCESS(f"sizes {sizes}; manifest written to {manifest}"))
