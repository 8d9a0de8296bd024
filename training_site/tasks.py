"""Platform-level tasks."""

from celery import shared_task


@shared_task(name="training_site.ping_task", acks_late=True)
def ping_task(value: str) -> str:
    """Echo a value back: used by /healthz-style checks and the worker test."""
    return f"pong:{value}"
