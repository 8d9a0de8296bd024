"""The Celery application.

With no CELERY_BROKER_URL, settings make every task run eagerly in-process; with one, a real
worker (``celery -A training_site worker``) runs them.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "training_site.settings.dev")

app = Celery("training_site")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
