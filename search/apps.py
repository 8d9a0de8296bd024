from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "search"
    label = "guidance_search"
    verbose_name = "Guidance search"
