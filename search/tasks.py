"""Celery tasks that keep the guidance index in step with the content.

Enqueued by `search.signals` after the commit that changed the content. Each takes a model
label and a primary key, reads the current state from the database and writes the entries
that follow from it, so running a task twice, late or out of order leaves the same rows.
"""

from celery import shared_task
from django.db import DatabaseError

RETRY = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    # A database that is briefly away (a failover, a locked SQLite file) is worth retrying;
    # search engine failures never reach here (the service logs them).
    "autoretry_for": (DatabaseError,),
    "retry_backoff": True,
    "max_retries": 5,
}


@shared_task(**RETRY)
def index_object_task(label: str, pk: int) -> None:
    """Recompute the entries of an object and of those that show it. Idempotent."""
    from .indexing import index_object

    index_object(label, pk)


@shared_task(**RETRY)
def remove_object_task(label: str, pk: int) -> None:
    """Delete the entry of an object that was deleted. Idempotent."""
    from .indexing import remove_object

    remove_object(label, pk)
