from django.apps import AppConfig


class TrainingSiteConfig(AppConfig):
    name = "training_site"
    verbose_name = "MIGOF Academy site"
