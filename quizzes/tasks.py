from celery import shared_task
from django.utils import timezone


@shared_task(acks_late=True, reject_on_worker_lost=True)
def close_overdue_attempts_task() -> int:
    """Close the attempts whose time ran out, grading what was saved (Celery beat, every
    minute). Idempotent: an attempt is closed once; pages also close one when opened."""
    from .attempts import close_all_overdue

    return close_all_overdue(now=timezone.now())
