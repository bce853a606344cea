"""The daily digest run: beat once a morning (settings.CELERY_BEAT_SCHEDULE) and
``manage.py send_search_digests``.  Idempotent: a search is locked and marked checked in the transaction
that records what it sent, so running twice sends nothing twice."""

from celery import shared_task

from . import services


@shared_task(name="mengkeju.savedsearches.tasks.send_search_digests", acks_late=True)  # global time limits
def send_search_digests() -> dict[str, int]:
    return services.saved_search_digests_send()
