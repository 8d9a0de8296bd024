from django.apps import AppConfig


class TrainingSiteConfig(AppConfig):
    name = "training_site"
    verbose_name = "MIGOF Academy site"

    def ready(self):
        from django.db.models.signals import post_delete, post_save
        from wagtail.signals import page_published, page_unpublished, post_page_move

        from .content_cache import content_changed

        # Cached content (header links, routes, course outlines) follows the tree.
        for signal in (post_save, post_delete, page_published, page_unpublished, post_page_move):
            signal.connect(content_changed, dispatch_uid=f"content-changed-{id(signal)}")
