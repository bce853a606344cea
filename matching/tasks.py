"""Celery tasks of the matcher: each takes ids, loads rows and calls a service; all are idempotent.

Retried: only transient errors of the database or the broker, at most ``max_retries`` times.
Time limits: the global ``CELERY_TASK_TIME_LIMIT`` / ``CELERY_TASK_SOFT_TIME_LIMIT`` (below the broker's
visibility timeout, so a task is never handed to a second worker while the first still runs it) unless
set here. A worker killed mid-task (``acks_late``, ``reject_on_worker_lost``) gets its task redelivered
after ``CELERY_VISIBILITY_TIMEOUT`` seconds: see docs/operations.md.
"""

from celery import group, shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.db import OperationalError, transaction

from . import outbox, runs, services

try:  # redis-py is there whenever the broker is Redis
    from redis.exceptions import ConnectionError as RedisConnectionError
except ImportError:  # pragma: no cover
    RedisConnectionError = OperationalError

TRANSIENT = (OperationalError, RedisConnectionError)
RETRY = {"autoretry_for": TRANSIENT, "retry_backoff": True, "retry_backoff_max": 120, "max_retries": 5}


# Tasks whose result nobody reads ignore it: sending them then needs the broker only, not a result-store
# subscription (which, with the store down, would retry for ~20 s before failing).
@shared_task(acks_late=True, ignore_result=True, soft_time_limit=60, time_limit=90, **RETRY)
def match_posting(kind: str, posting_id: int, outbox_id: int | None = None) -> dict:
    """Index a published posting and propose matches for it (sent on publication with its outbox row,
    which it marks done; without one, e.g. from a shell, it just matches)."""
    if outbox_id is not None:
        return {"matched": outbox.match_outbox_process(outbox_id=outbox_id)}
    result = services.posting_match(kind=kind, posting_id=posting_id)
    return {"created": result.created, "updated": result.updated}


@shared_task(acks_late=True)
def match_outbox_flush(min_age_seconds: int = 60) -> int:
    """Beat entry, every minute (``manage.py match_pending``): match what a broker outage left pending."""
    import datetime

    return outbox.match_outbox_flush(min_age=datetime.timedelta(seconds=min_age_seconds))


@shared_task(bind=True, acks_late=True, ignore_result=True, **(RETRY | {"max_retries": 20}))
def match_run_prepare(self, run_id: int, chunk_size: int | None = None) -> int:
    """Refresh the index, split the needs into chunks and fan the chunks out to the workers (on the queue
    this task came from, so a deployment or a test that routes runs to its own queue keeps them there).
    At the soft time limit it sends itself again: the index refresh resumes where it stopped.

    First it sends ``match_run_warm`` to each other worker of its queue (Celery's ``inspect``, at most
    ``WORKERS_ASKED_FOR`` seconds), so that they read their full-run memory while this one prepares
    instead of after (two workers, 100k achievements: 192.6 → 179–189 s; docs/benchmarks.md "Fourth
    round")."""
    queue = (self.request.delivery_info or {}).get("routing_key")
    options = {"queue": queue} if queue else {}
    for _worker in range(_other_workers(queue or self.app.conf.task_default_queue, me=self.request.hostname)):
        match_run_warm.apply_async((run_id,), **options)
    try:
        chunks = runs.match_run_prepare(run_id=run_id, chunk_size=chunk_size)
    except TRANSIENT:
        raise
    except SoftTimeLimitExceeded as exc:
        raise self.retry(countdown=0, exc=exc) from exc
    except Exception as exc:
        runs.match_run_fail(run_id=run_id, error=f"{type(exc).__name__}: {exc}")
        raise
    if chunks:
        signatures = group(match_run_chunk.s(run_id, number).set(**options) for number in chunks)
        transaction.on_commit(signatures.apply_async)
    return len(chunks)


WORKERS_ASKED_FOR = 0.5  # seconds the prepare task waits for the workers' replies to ``inspect``


def _other_workers(queue: str, *, me: str | None) -> int:
    """How many workers besides ``me`` consume ``queue`` (their replies to ``inspect().active_queues()``
    within ``WORKERS_ASKED_FOR`` seconds); 0 without full-run memory, in process, or when nobody answers."""
    from celery import current_app

    if current_app.conf.task_always_eager or runs.memory_index_limit() <= 0:
        return 0
    try:
        replies = current_app.control.inspect(timeout=WORKERS_ASKED_FOR).active_queues() or {}
    except Exception:  # the broker hiccupped: warming up is only a head start
        return 0
    return sum(1 for host, queues in replies.items() if host != me and any(q.get("name") == queue for q in queues))


@shared_task(acks_late=True, ignore_result=True)
def match_run_warm(run_id: int) -> bool:
    """Read this worker's full-run memory while another worker prepares the run (``runs.match_run_warm``)."""
    return runs.match_run_warm(run_id=run_id)


@shared_task(acks_late=True, ignore_result=True, **RETRY)
def match_run_chunk(run_id: int, number: int) -> dict:
    """Match the needs of one chunk of a full run (counted once however often it is delivered). A chunk
    that exceeds the soft time limit fails its run with the reason (smaller ``MATCHING_CHUNK_SIZE``)."""
    try:
        result = runs.match_run_chunk(run_id=run_id, number=number)
    except SoftTimeLimitExceeded:
        runs.match_run_fail(
            run_id=run_id,
            error=f"chunk {number} exceeded the task's soft time limit: lower MATCHING_CHUNK_SIZE",
        )
        raise
    return {"created": result.created, "updated": result.updated, "counted": result.counted}


@shared_task(acks_late=True)
def match_full_nightly() -> int:
    """Beat entry: start a full run (python manage.py match --all does the same synchronously)."""
    try:
        return runs.match_run_start(trigger="beat").pk
    except runs.MatchRunActive as exc:  # yesterday's run is still going: let it finish
        return exc.run.pk if exc.run else 0


@shared_task(acks_late=True, ignore_result=True)
def match_runs_fail_stalled() -> list[int]:
    """Beat entry, every 5 minutes (``manage.py fail_stalled_runs``): fail runs without progress."""
    return runs.match_runs_fail_stalled()


@shared_task(acks_late=True, ignore_result=True)
def associations_learn() -> str:
    """Beat entry, weekly, only when ``settings.MATCHING_ASSOCIATIONS`` is on (``manage.py learn_associations
    --activate``): learn the corpus term associations again from the index and make them active — unless an
    admin rolled back to an older version (``learning.rolled_back``), whose choice then stands. Within the
    global task time limit (a few seconds for a few thousand postings); a corpus too large for it is learned
    with the command."""
    from . import learning
    from .models import LearnedModel

    keep_choice = learning.rolled_back(LearnedModel.Kind.ASSOCIATIONS)
    return learning.associations_refresh(activate=not keep_choice, note="beat").version
