from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "search"
    label = "guidance_search"
    verbose_name = "Guidance search"

    def ready(self) -> None:
        # Publishing, unpublishing and deleting content re-indexes it (after commit).
        from . import signals

        signals.connect()
