"""Celery tasks of the matcher: each takes ids, loads rows and calls a service; all are idempotent.

Retried: only transient errors of the database or the broker, at most ``max_retries`` times.
Time limits: the global ``CELERY_TASK_TIME_LIMIT`` / ``CELERY_TASK_SOFT_TIME_LIMIT`` unless set here.
"""

from celery import group, shared_task
from django.db import OperationalError, transaction

from . import services

try:  # redis-py is there whenever the broker is Redis
    from redis.exceptions import ConnectionError as RedisConnectionError
except ImportError:  # pragma: no cover
    RedisConnectionError = OperationalError

TRANSIENT = (OperationalError, RedisConnectionError)
RETRY = {"autoretry_for": TRANSIENT, "retry_backoff": True, "retry_backoff_max": 120, "max_retries": 5}


@shared_task(acks_late=True, soft_time_limit=60, time_limit=90, **RETRY)
def match_posting(kind: str, posting_id: int) -> dict:
    """Index a published posting and propose matches for it (enqueued on publication)."""
    result = services.posting_match(kind=kind, posting_id=posting_id)
    return {"created": result.created, "updated": result.updated}


@shared_task(bind=True, acks_late=True, **RETRY)
def match_run_prepare(self, run_id: int, chunk_size: int | None = None) -> int:
    """Refresh the index, split the needs into chunks and fan the chunks out to the workers (on the queue
    this task came from, so a deployment or a test that routes runs to its own queue keeps them there)."""
    try:
        chunks = services.match_run_prepare(run_id=run_id, chunk_size=chunk_size)
    except TRANSIENT:
        raise
    except Exception as exc:
        services.match_run_fail(run_id=run_id, error=f"{type(exc).__name__}: {exc}")
        raise
    if chunks:
        queue = (self.request.delivery_info or {}).get("routing_key")
        options = {"queue": queue} if queue else {}
        signatures = group(match_run_chunk.s(run_id, number).set(**options) for number in chunks)
        transaction.on_commit(signatures.apply_async)
    return len(chunks)


@shared_task(acks_late=True, **RETRY)
def match_run_chunk(run_id: int, number: int) -> dict:
    """Match the needs of one chunk of a full run (counted once however often it is delivered)."""
    result = services.match_run_chunk(run_id=run_id, number=number)
    return {"created": result.created, "updated": result.updated}


@shared_task(acks_late=True, **RETRY)
def match_full_nightly() -> int:
    """Beat entry: start a full run (python manage.py match --all does the same synchronously)."""
    try:
        return services.match_run_start(trigger="beat").pk
    except services.MatchRunActive as exc:  # yesterday's run is still going: let it finish
        return exc.run.pk
