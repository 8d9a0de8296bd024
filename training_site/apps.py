from django.apps import AppConfig


class TrainingSiteConfig(AppConfig):
    name = "training_site"
    verbose_name = "MIGOF Academy site"

    def ready(self):
        from django.db.models.signals import post_delete, post_save
        from wagtail.signals import page_published, page_unpublished, post_page_move

        from .selectors import navigation_changed

        # The cached header links (training_site.selectors.site_navigation) follow the tree.
        for signal in (post_save, post_delete, page_published, page_unpublished, post_page_move):
            signal.connect(navigation_changed, dispatch_uid=f"navigation-{id(signal)}")
