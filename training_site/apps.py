from django.apps import AppConfig


class TrainingSiteConfig(AppConfig):
    name = "training_site"
    verbose_name = "MIGOF Academy site"

    def ready(self):
        from django.core.signals import request_finished, request_started
        from django.db.models.signals import post_delete, post_migrate, post_save, pre_save
        from django.urls import register_converter
        from wagtail.signals import page_published, page_unpublished, post_page_move

        from .content_cache import code_changed, content_changed
        from .content_cache import request_finished as forget_version
        from .content_cache import request_started as memo_version
        from .ids import IdConverter
        from .rich_text import clean_rich_text_on_save

        # `<id:…>` in URL patterns (page ids): registered before any URLconf is read.
        register_converter(IdConverter, "id")

        # Rich text written by code is stored as the editor could have written it.
        pre_save.connect(clean_rich_text_on_save, dispatch_uid="clean-rich-text")
        # Cached content (header links, routes, course outlines) follows the tree.
        for signal in (post_save, post_delete, page_published, page_unpublished, post_page_move):
            signal.connect(content_changed, dispatch_uid=f"content-changed-{id(signal)}")
        # A deploy runs migrate: pages kept rendered by the old templates are dropped.
        post_migrate.connect(code_changed, dispatch_uid="content-code-changed")
        # The content version is read from the cache once per request.
        request_started.connect(memo_version, dispatch_uid="content-version-memo")
        request_finished.connect(forget_version, dispatch_uid="content-version-forget")
