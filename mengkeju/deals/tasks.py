"""The deal pipeline's periodic sweep (beat ``watch-deals``, and ``manage.py watch_deals``)."""

from celery import shared_task

from . import services


@shared_task(name="mengkeju.deals.tasks.watch_deals", acks_late=True, ignore_result=True)  # global time limits
def watch_deals() -> dict:
    """Stalled-deal reminders and response-time escalations; idempotent (see ``services.deals_watch``)."""
    result = services.deals_watch()
    return {
        "reminded": result.reminded,
        "review_escalated": result.review_escalated,
        "contact_escalated": result.contact_escalated,
    }
