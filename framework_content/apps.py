from django.apps import AppConfig


class FrameworkContentConfig(AppConfig):
    name = "framework_content"
    verbose_name = "MIGOF knowledge base"

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from training_site.content_cache import content_changed, register_content_models

        from .models import (
            DomainElementLink,
            Indicator,
            IndicatorDomain,
            IndicatorFramework,
            KeyDocument,
            ResponseLevel,
        )

        # Pages cache what they show of these snippets (training_site.content_cache).
        snippets = (
            Indicator,
            IndicatorDomain,
            IndicatorFramework,
            KeyDocument,
            DomainElementLink,
            ResponseLevel,
        )
        register_content_models(*snippets)
        for model in snippets:
            for signal in (post_save, post_delete):
                signal.connect(
                    content_changed,
                    sender=model,
                    dispatch_uid=f"content-{model.__name__}-{id(signal)}",
                )
