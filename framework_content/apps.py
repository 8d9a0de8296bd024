from django.apps import AppConfig


class FrameworkContentConfig(AppConfig):
    name = "framework_content"
    verbose_name = "MIGOF knowledge base"

    def ready(self):
        from training_site.content_cache import register_content_models

        from .models import (
            DomainElementLink,
            Indicator,
            IndicatorDomain,
            IndicatorFramework,
            KeyDocument,
            ResponseLevel,
        )

        # Pages cache what they show of these snippets: saving or deleting one makes the
        # cached content stale (training_site.content_cache, whose receiver hears every
        # model's post_save and post_delete).
        register_content_models(
            Indicator,
            IndicatorDomain,
            IndicatorFramework,
            KeyDocument,
            DomainElementLink,
            ResponseLevel,
        )
