from celery import shared_task
from django.utils import timezone


@shared_task(acks_late=True, reject_on_worker_lost=True)
def close_overdue_attempts_task() -> int:
    """Close the attempts whose time ran out, grading what was saved (Celery beat, every
    minute). Idempotent: an attempt is closed once; pages also close one when opened."""
    from .attempts import close_all_overdue

    return close_all_overdue(now=timezone.now())


@shared_task(acks_late=True, reject_on_worker_lost=True)
def release_due_results_task() -> int:
    """Release the results withheld until their quiz closed (Celery beat, every minute):
    a pass then completes its course item. Idempotent; pages also release a learner's
    results when opened."""
    from .attempts import release_due_results

    return release_due_results(now=timezone.now())
