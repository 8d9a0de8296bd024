from django.core.management.base import BaseCommand, CommandError

from search.indexing import rebuild_all
from search.models import EntryKind


class Command(BaseCommand):
    help = (
        "Recompute every guidance search entry from the live content, delete stale ones and "
        "rebuild the search engine's index (idempotent)."
    )

    def handle(self, *args, **options):
        report = rebuild_all()
        labels = dict(EntryKind.choices)
        for kind, n in report.counts.items():
            self.stdout.write(f"{n} {labels.get(kind, kind)}")
        self.stdout.write(
            f"{report.total} entries: {report.created} created, {report.updated} updated, "
            f"{report.unchanged} unchanged, {report.deleted} deleted."
        )
        if report.engine_error:
            raise CommandError(
                f"The entries are saved, but the search engine ({report.engine or 'unknown'}) "
                f"could not rebuild its index: {report.engine_error}"
            )
        self.stdout.write(self.style.SUCCESS(f"Search index rebuilt ({report.engine})."))
