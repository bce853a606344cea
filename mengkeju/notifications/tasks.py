"""Mail from the outbox.  Both tasks take ids (or nothing), call a service and are safe to run twice:
a row is claimed by a conditional UPDATE before it is sent, so it goes out once."""

import datetime
import smtplib

from celery import shared_task

from . import services

# Network trouble talking to the mail server; anything else is recorded on the row and left to the re-send.
TRANSIENT_MAIL_ERRORS = (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError, ConnectionError, TimeoutError)


@shared_task(
    name="mengkeju.notifications.tasks.send_outbox_email",
    acks_late=True,
    ignore_result=True,
    autoretry_for=TRANSIENT_MAIL_ERRORS,
    retry_backoff=30,
    max_retries=3,
    soft_time_limit=60,
    time_limit=90,
)
def send_outbox_email(outbox_id: int) -> bool:
    return services.outbox_send(outbox_id=outbox_id)


# the global time limits (CELERY_TASK_SOFT_TIME_LIMIT / CELERY_TASK_TIME_LIMIT, below the visibility timeout):
# rows not reached by then stay pending for the next run
@shared_task(name="mengkeju.notifications.tasks.resend_pending_mail", acks_late=True)
def resend_pending_mail(min_age_seconds: int = 60) -> int:
    """Beat entry (and ``manage.py send_pending_mail``): send what a broker outage or SMTP failure left pending."""
    return services.outbox_resend_pending(min_age=datetime.timedelta(seconds=min_age_seconds))
