"""The matching outbox: work owed to newly published postings, kept as rows until it is done.

``match_outbox_add`` is called inside the publication's transaction (approve, reopen, import with
``--publish``). After the commit it hands the row to a worker (task ``matching.tasks.match_posting``);
when the broker is down that send fails fast (``CELERY_BROKER_CONNECTION_TIMEOUT``, a short publish retry)
and is only logged: the row stays pending and ``match_outbox_flush`` (beat every minute, and
``manage.py match_pending``) matches it once the broker is back. A row is claimed by a conditional
UPDATE before it is matched, so it is matched once even when the task and the flush race; a claim older
than ``STALE_CLAIM`` (a worker died) is taken again.
"""

from __future__ import annotations

import datetime
import logging

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from .models import MatchOutbox

logger = logging.getLogger(__name__)

# longer than the incremental task's hard time limit (90 s), so a live claim is never taken twice
STALE_CLAIM = datetime.timedelta(minutes=5)
MAX_ATTEMPTS = 5
KEEP_DONE = datetime.timedelta(days=7)


def match_outbox_add(*, kind: str, posting_id: int) -> MatchOutbox:
    """Record the matching of one published posting (in the caller's transaction) and send it to a
    worker after the commit; never raises for a broker problem."""
    row = MatchOutbox.objects.create(kind=kind, posting_id=posting_id)
    transaction.on_commit(lambda: match_outbox_enqueue(outbox_ids=[row.pk]))
    return row


def match_outbox_enqueue(*, outbox_ids: list[int]) -> int:
    """Send the rows' tasks; stops at the first broker error (logged) and returns how many were sent."""
    from . import tasks
    from .runs import _broker_errors

    sent = 0
    for outbox_id in outbox_ids:
        row = MatchOutbox.objects.filter(pk=outbox_id).values_list("kind", "posting_id").first()
        if row is None:
            continue
        try:
            tasks.match_posting.delay(row[0], row[1], outbox_id)
        except _broker_errors() as exc:
            logger.warning("broker unavailable, matching outbox %s stays pending for the flush: %s", outbox_id, exc)
            break
        sent += 1
    return sent


def _claimable(now) -> Q:
    return Q(status=MatchOutbox.Status.PENDING) | Q(status=MatchOutbox.Status.CLAIMED, claimed_at__lt=now - STALE_CLAIM)


def _claim(outbox_id: int) -> bool:
    now = timezone.now()
    return bool(
        MatchOutbox.objects.filter(_claimable(now), pk=outbox_id).update(
            status=MatchOutbox.Status.CLAIMED, claimed_at=now, attempts=F("attempts") + 1
        )
    )


def match_outbox_process(*, outbox_id: int) -> bool:
    """Match the posting of one row if nobody else has (or is doing it); True when this call did it.
    An error is recorded on the row (pending again, failed after ``MAX_ATTEMPTS``) and raised."""
    from .services import posting_match

    if not _claim(outbox_id):
        return False
    row = MatchOutbox.objects.get(pk=outbox_id)
    try:
        posting_match(kind=row.kind, posting_id=row.posting_id)
    except Exception as exc:
        MatchOutbox.objects.filter(pk=outbox_id, status=MatchOutbox.Status.CLAIMED).update(
            status=MatchOutbox.Status.FAILED if row.attempts >= MAX_ATTEMPTS else MatchOutbox.Status.PENDING,
            last_error=f"{type(exc).__name__}: {exc}"[:1000],
            claimed_at=None,
        )
        raise
    MatchOutbox.objects.filter(pk=outbox_id).update(
        status=MatchOutbox.Status.DONE, done_at=timezone.now(), last_error=""
    )
    return True


def match_outbox_flush(*, min_age: datetime.timedelta = datetime.timedelta(minutes=1), limit: int = 500) -> int:
    """Match rows left pending (broker outage, an error) or stuck claimed, oldest first, in this process;
    returns how many were matched. ``min_age`` leaves fresh rows to the task sent with them. Also deletes
    done rows older than ``KEEP_DONE``."""
    now = timezone.now()
    due = (
        MatchOutbox.objects.filter(
            Q(status=MatchOutbox.Status.PENDING, created_at__lte=now - min_age)
            | Q(status=MatchOutbox.Status.CLAIMED, claimed_at__lt=now - STALE_CLAIM)
        )
        .order_by("created_at", "id")
        .values_list("pk", flat=True)[:limit]
    )
    done = 0
    for outbox_id in list(due):
        try:
            done += match_outbox_process(outbox_id=outbox_id)
        except Exception:  # recorded on the row; go on with the others
            logger.exception("matching outbox %s failed", outbox_id)
    MatchOutbox.objects.filter(status=MatchOutbox.Status.DONE, done_at__lt=now - KEEP_DONE).delete()
    return done


def match_outbox_oldest_pending_age(*, now=None) -> float | None:
    """Seconds since the oldest row not yet matched (pending or claimed) was written; None when none."""
    now = now or timezone.now()
    oldest = (
        MatchOutbox.objects.filter(status__in=[MatchOutbox.Status.PENDING, MatchOutbox.Status.CLAIMED])
        .order_by("created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    return (now - oldest).total_seconds() if oldest else None
