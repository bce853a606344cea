"""Periodic work on postings.  The beat schedule is in settings; ``manage.py expire_postings`` runs the same."""

import datetime

from celery import shared_task

from . import services


def expire_due_postings(*, today: datetime.date | None = None) -> dict[str, int]:
    """Expire published needs and achievements whose deadline has passed; counts per kind.

    Safe to run twice or concurrently: each expiry is a conditional UPDATE on ``status='published'``,
    so a posting already expired (or closed meanwhile) is skipped, not counted again.
    """
    from achievements.models import Achievement
    from needs.models import TechnicalNeed

    return {
        model.kind: services.postings_expire_due(model=model, today=today) for model in (TechnicalNeed, Achievement)
    }


@shared_task(name="mengkeju.postings.tasks.expire_postings", acks_late=True)
def expire_postings() -> dict[str, int]:
    return expire_due_postings()
