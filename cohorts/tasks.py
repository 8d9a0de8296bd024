"""Celery tasks of the trainer workspace: thin wrappers around services, idempotent,
acks_late. Enqueue them with transaction.on_commit."""

from celery import shared_task
from django.db import InterfaceError, OperationalError
from django.utils import timezone

RETRYING = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    "autoretry_for": (OSError,),
    "retry_backoff": True,
    "max_retries": 5,
}


@shared_task(**RETRYING)
def send_invitations_task(membership_ids: list[int]) -> int:
    """E-mail each invited trainee (account set-up link or course link), in their language."""
    from .invitations import send_invitation_emails

    return send_invitation_emails(membership_ids)


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    # The database not answering when the job is claimed or finished: try again later
    # (run_export is idempotent), instead of leaving the job waiting for ever.
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    max_retries=5,
)
def run_export_task(job_id: int) -> str:
    """Prepare one export file, reporting progress on the job."""
    from .exports import run_export

    return run_export(job_id)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def purge_expired_exports_task() -> int:
    from .exports import purge_expired

    return purge_expired(now=timezone.now())


@shared_task(**RETRYING)
def send_reminders_task(reminder_ids: list[int]) -> int:
    """Send the reminders a trainer asked for, each in its trainee's language, once."""
    from .notifications import send_reminders

    return send_reminders(reminder_ids, now=timezone.now())


@shared_task(**RETRYING)
def weekly_digest_task() -> int:
    """Celery beat, weekly: one digest per trainer with a running or recent cohort."""
    from .notifications import send_weekly_digests

    return send_weekly_digests(now=timezone.now())
