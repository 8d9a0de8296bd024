from celery import shared_task
from django.utils import timezone


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
)
def issue_certificate_task(enrolment_id: int) -> str:
    """Issue (or finish issuing) the certificate of a completed enrolment. Idempotent."""
    from .services import issue_certificate

    return issue_certificate(enrolment_id=enrolment_id, now=timezone.now()).code
