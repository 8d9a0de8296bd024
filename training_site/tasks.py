"""Platform-level Celery tasks.

Every task of ours is ``acks_late`` (the setting ``CELERY_TASK_ACKS_LATE`` says so for all of
them; the decorator repeats it where it matters) and is enqueued from services with
``task.delay_on_commit(...)``: Celery's Django task class wraps ``transaction.on_commit``, so
a worker never reads rows the request has not committed yet.
"""

from celery import shared_task


@shared_task(acks_late=True)
def ping_task(value: str) -> str:
    """Echo a value back: proves a worker (or the eager runner) executes our tasks."""
    return f"pong:{value}"
