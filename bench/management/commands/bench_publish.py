"""Publish one lesson of the benchmark's data again, as a trainer would in the admin: a new
revision, published. It renews the site's content token (training_site.content_cache), so
every page's kept content and every learner's kept markup is built again on its next view:
what `bench/run.py` measures as the first views after a publish."""

from django.core.management.base import BaseCommand, CommandError

from framework_content.models import LessonPage


class Command(BaseCommand):
    help = "Publish a new revision of a bench lesson (the content token is renewed)."

    def handle(self, *args, **options):
        lesson = LessonPage.objects.live().filter(slug__startswith="lesson-").order_by("pk").first()
        if lesson is None:
            raise CommandError("no bench lesson to publish: build the data first (bench_data)")
        lesson.save_revision(log_action=True).publish()
        self.stdout.write(f"published {lesson.url_path}")
