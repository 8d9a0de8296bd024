from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "search"
    label = "guidance_search"
    verbose_name = "Guidance search"

    def ready(self) -> None:
        # Publishing, unpublishing and deleting content re-indexes it (after commit).
        from wagtail.contrib.search_promotions.models import SearchPromotion

        from training_site.content_cache import register_content_models

        from . import signals

        signals.connect()
        # Promoted results are kept with the content (search.service.promotions_for).
        register_content_models(SearchPromotion)
