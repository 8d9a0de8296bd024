from celery import shared_task
from django.db import InterfaceError, OperationalError
from django.utils import timezone


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    # The storage or the database not answering for a moment: try again, never drop it.
    autoretry_for=(OSError, OperationalError, InterfaceError),
    retry_backoff=True,
    max_retries=5,
)
def issue_certificate_task(enrolment_id: int) -> str:
    """Issue (or finish issuing) the certificate of a completed enrolment. Idempotent."""
    from .services import issue_certificate

    return issue_certificate(enrolment_id=enrolment_id, now=timezone.now()).code
