from django.apps import AppConfig


class FrameworkContentConfig(AppConfig):
    name = "framework_content"
    verbose_name = "MIGOF knowledge base"
