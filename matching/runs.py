"""Full runs of the matcher: start, prepare (index refresh + chunks), chunks, finish, fail, cancel.

A full run is a ``MatchRun`` row and its ``MatchRunChunk`` rows:

* ``match_run_start`` creates the run (at most one active full run: a partial unique index on the
  database, so two simultaneous starts leave exactly one, the other gets ``MatchRunActive``) and
  enqueues ``match_run_prepare`` after the commit; when the broker refuses it, the run is failed with the
  reason, so it never blocks later runs.
* ``match_run_prepare`` refreshes the index and writes the chunks; idempotent: a prepare delivered again
  (its worker was killed) creates the chunks if they are missing and returns the ones not done.
* ``match_run_chunk`` ranks the needs of one chunk, then writes their proposals, the chunk's counts and
  ``done_at`` in one transaction, once. The run's counters are sums over its chunk rows (never
  incremented), so a chunk delivered twice cannot make them drift.
* ``match_run_cancel`` (admin button on /matching/runs/, audited) and ``match_runs_fail_stalled`` (beat
  and ``manage.py fail_stalled_runs``: no progress for ``MATCHING_RUN_STALL_SECONDS``) end a stuck run.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mengkeju.lib.planner_stats import analyze_after_bulk_write
from needs.models import TechnicalNeed

from . import knowledge
from .models import IndexedPosting, Match, MatchRun, MatchRunChunk, PostingKind

logger = logging.getLogger(__name__)

ACTIVE = MatchRun.ACTIVE_STATUSES


def chunk_size_default() -> int:
    return getattr(settings, "MATCHING_CHUNK_SIZE", 200)


def stall_seconds() -> int:
    """A run with no progress for longer than this is failed (seconds; ``MATCHING_RUN_STALL_SECONDS``)."""
    return getattr(settings, "MATCHING_RUN_STALL_SECONDS", 900)


def memory_index_limit() -> int:
    """Largest achievement index (postings) a worker reads into memory for full runs
    (``MATCHING_RUN_MEMORY_INDEX``; 0: never)."""
    return getattr(settings, "MATCHING_RUN_MEMORY_INDEX", 0)


def memory_sides_limit() -> int:
    """Largest number of achievements whose parsed features a worker also keeps in memory for full runs
    (``MATCHING_RUN_MEMORY_SIDES``; 0: never, candidates' features are read per need through the
    per-process cache)."""
    return getattr(settings, "MATCHING_RUN_MEMORY_SIDES", 0)


# when the sides are read again after an index change, the postings indexed this long before the previous
# read are parsed again too: a transaction (an import is one per file) commits rows stamped before it ends
LATE_COMMITS = timedelta(hours=1)

# this process's capped posting lists of the achievements: (state of the index when read, SparseIndex)
_lists: dict[str, tuple] = {}


def achievement_lists(run_id: int | None = None):
    """The achievements' capped posting lists in this process's memory (``matching.sparse_index``), read
    again only when the index changed: its state is the number of indexed achievements, the time of the
    latest (re-)indexing, ``MATCHING_POSTINGS_PER_TERM`` and whether the sides are kept, checked with one
    query per call (per chunk). With ``run_id`` (a chunk of that full run), the document frequencies are
    read again once per run unless they were read after its prepare step recounted them: the lists may
    have been read while the run was being prepared (``match_run_warm``).
    None when the index is empty or larger than ``memory_index_limit()``: then retrieval asks the
    database. The lists come with the achievements' document frequencies and, up to
    ``memory_sides_limit()`` achievements, their parsed features (``SparseIndex.read_sides``).
    Why in memory: a full run asks the same capped lists for every need; at 100k achievements a
    retrieval takes 4.2 ms from memory against 8.8 ms from the database (p50, ``bench/bm25s_compare.py``)
    and leaves the database's share of the cores to the rest of the run; a need's candidates' features
    cost ~28 ms of a ~70 ms ranking when read from the database (docs/benchmarks.md)."""
    from .indexing import postings_per_term
    from .sparse_index import SparseIndex

    limit = memory_index_limit()
    if limit <= 0:
        return None
    state = IndexedPosting.objects.filter(kind=PostingKind.ACHIEVEMENT).aggregate(n=Count("id"), last=Max("indexed_at"))
    with_sides = bool(state["n"]) and state["n"] <= memory_sides_limit()
    key = (state["n"], state["last"], postings_per_term(), with_sides)
    if not state["n"] or state["n"] > limit:
        _lists.clear()
        return None
    held = _lists.get("achievement")
    if held is None or held[0] != key:
        # the sides read before stay valid for every posting not indexed since: read only those again
        # (a posting indexed during a run costs the lists' ~6 s at 100k, not the sides' ~20 s)
        old_key, old = held if held is not None else (None, None)
        sides = old.sides if old is not None and with_sides else None  # None when the old read had none
        if sides is not None and len(sides) > 1.1 * state["n"]:  # many removed since: start afresh
            sides = None
        _lists.clear()  # let the old lists go before reading the new ones
        lists = SparseIndex.build(PostingKind.ACHIEVEMENT, postings_per_term())
        if with_sides:
            lists.sides = sides
            lists.read_sides(since=old_key[1] - LATE_COMMITS if sides is not None else None)
        lists.df_run = run_id  # read after the prepare step when a chunk of the run reads them
        _lists["achievement"] = (key, lists)
    lists = _lists["achievement"][1]
    if run_id is not None and lists.df_run != run_id:
        lists.read_df()
        lists.df_run = run_id
    return lists


def match_run_warm(*, run_id: int) -> bool:
    """Read this process's full-run memory (``achievement_lists``: lists, document frequencies, sides)
    while the run is being prepared, so that a worker which would wait for the prepare step's chunks reads
    it meanwhile instead of after (~25 s at 100k achievements). Sent by the prepare task to the other
    workers of its queue. The document frequencies are read again by the run's first chunk, after the
    prepare step recounted them; lists and sides are read again only if the prepare step re-indexed
    anything. True when the memory is there; False for a run no longer active or memory switched off."""
    if not MatchRun.objects.filter(pk=run_id, status__in=ACTIVE).exists():
        return False
    return achievement_lists() is not None


def chunk_plan(ids: list[int], size: int) -> list[list[int]]:
    """Split the ids into consecutive chunks of ``size`` (the last one shorter): every id in exactly one."""
    if size < 1:
        raise ValueError("chunk size must be at least 1")
    return [ids[start : start + size] for start in range(0, len(ids), size)]


class MatchRunActive(ValidationError):
    """A full run is already queued or running; a second one would only repeat its work."""

    def __init__(self, run: MatchRun | None):
        if run is None:
            super().__init__(_("Another full run was started at the same moment; wait until it is done."))
        else:
            super().__init__(
                _("Full run #%(id)s is still %(status)s; wait until it is done."),
                params={"id": run.pk, "status": run.get_status_display()},
            )
        self.run = run


class MatchRunNotActive(ValidationError):
    """The run has finished already (done, failed or cancelled)."""


def match_run_active() -> MatchRun | None:
    return (
        MatchRun.objects.filter(kind=MatchRun.Kind.FULL, status__in=ACTIVE)
        .select_related("started_by")
        .order_by("-created_at", "-id")
        .first()
    )


def match_run_create(*, trigger: str, user=None) -> MatchRun:
    """Create a queued full run. Raises ``MatchRunActive`` when one is already queued or running: the
    database's partial unique index decides, so of two simultaneous calls exactly one wins."""
    from .scoring import ALGORITHM_VERSION

    now = timezone.now()
    try:
        with transaction.atomic():
            return MatchRun.objects.create(
                kind=MatchRun.Kind.FULL,
                trigger=trigger,
                started_by=user,
                algorithm_version=ALGORITHM_VERSION,
                progress_at=now,
            )
    except IntegrityError:
        raise MatchRunActive(match_run_active()) from None


def _broker_errors() -> tuple[type[BaseException], ...]:
    from kombu.exceptions import OperationalError as BrokerError

    try:
        from redis.exceptions import RedisError
    except ImportError:  # pragma: no cover
        RedisError = BrokerError  # noqa: N806
    # RuntimeError: Celery's result store gave up reconnecting (a task sent without ignore_result)
    return (BrokerError, RedisError, OSError, RuntimeError)


def match_run_enqueue(*, run_id: int, chunk_size: int | None = None) -> bool:
    """Send the run's prepare task; when the broker refuses, fail the run with the reason. True if sent."""
    from . import tasks

    try:
        tasks.match_run_prepare.delay(run_id, chunk_size)
    except _broker_errors() as exc:
        logger.warning("full run %s could not be enqueued: %s", run_id, exc)
        match_run_fail(run_id=run_id, error=f"could not be enqueued (broker unavailable): {type(exc).__name__}: {exc}")
        return False
    return True


def match_run_start(*, trigger: str = "admin", user=None, chunk_size: int | None = None) -> MatchRun:
    """Create a full run and enqueue it after the commit (admin button, beat). Raises ``MatchRunActive``.

    When the broker is down the run is failed at once with the reason (read ``run.status`` after the
    commit: ``run.refresh_from_db()``), so it never blocks the next start."""
    run = match_run_create(trigger=trigger, user=user)
    transaction.on_commit(lambda: match_run_enqueue(run_id=run.pk, chunk_size=chunk_size))
    return run


def _touch(run_id: int, **fields) -> int:
    return MatchRun.objects.filter(pk=run_id).update(progress_at=timezone.now(), updated_at=timezone.now(), **fields)


def match_run_prepare(*, run_id: int, chunk_size: int | None = None) -> list[int]:
    """Bring the index up to date and split the published needs into chunks (``MatchRunChunk`` rows);
    returns the numbers of the chunks still to do (empty for a run that is not active).

    Idempotent: the chunks are written with ``total_chunks`` in one transaction under the run's row
    lock, so a prepare delivered again after its worker died (before or after any step) creates them
    when they are missing and otherwise only returns the ones not done. The index refresh itself is
    incremental (postings already indexed by this analyser are skipped), so a repeat resumes it."""
    from . import index, learning, services

    now = timezone.now()
    MatchRun.objects.filter(pk=run_id, status=MatchRun.Status.QUEUED).update(
        status=MatchRun.Status.RUNNING, started_at=now, progress_at=now, updated_at=now
    )
    run = MatchRun.objects.filter(pk=run_id).first()
    if run is None or run.status != MatchRun.Status.RUNNING:
        return []
    if not run.chunks.exists():
        for kind in (PostingKind.ACHIEVEMENT, PostingKind.NEED):
            services.index_refresh(kind=kind)
            _touch(run_id)
            index.stats_rebuild(kind)  # exact document frequencies for the whole run
        learning.generic_refresh()  # generic words recognised from the data, for the whole run
        size = chunk_size or chunk_size_default()
        ids = list(TechnicalNeed.objects.filter(status="published").order_by("pk").values_list("pk", flat=True))
        plan = chunk_plan(ids, size)
        with transaction.atomic():
            run = MatchRun.objects.select_for_update().get(pk=run_id)
            if run.status != MatchRun.Status.RUNNING:
                return []
            if not run.chunks.exists():
                MatchRunChunk.objects.bulk_create(
                    [MatchRunChunk(run_id=run_id, number=n, need_ids=chunk) for n, chunk in enumerate(plan)]
                )
                _touch(run_id, total_chunks=len(plan), total_items=len(ids))
        if not ids:
            match_run_finish(run_id=run_id)
    return list(MatchRunChunk.objects.filter(run_id=run_id, done_at=None).values_list("number", flat=True))


@dataclass
class ChunkResult:
    created: int = 0
    updated: int = 0
    counted: bool = False  # False: the chunk was done already (another delivery) or its run is not active


def _recount(run_id: int) -> None:
    """Set the run's counters to the sums over its done chunks (called under the run's row lock)."""
    done = MatchRunChunk.objects.filter(run_id=run_id, done_at__isnull=False)
    sums = done.aggregate(
        chunks=Count("id"), processed=Sum("processed"), created=Sum("created"), updated=Sum("updated")
    )
    errors = [e for chunk_errors in done.order_by("number").values_list("errors", flat=True) for e in chunk_errors]
    run = MatchRun.objects.get(pk=run_id)
    run_errors = [e for e in run.errors if "need" not in e] + errors  # run-level errors kept, chunk errors recomputed
    _touch(
        run_id,
        done_chunks=sums["chunks"] or 0,
        processed_items=sums["processed"] or 0,
        proposals_created=sums["created"] or 0,
        proposals_updated=sums["updated"] or 0,
        errors=run_errors[-200:],
    )


def match_run_chunk(*, run_id: int, number: int, top_k: int | None = None) -> ChunkResult:
    """Match one chunk of needs. Ranking is read-only; the proposals, the chunk's counts and its
    ``done_at`` are then written in one transaction, so a worker killed half-way leaves nothing behind
    and the chunk's next delivery does it all again; a delivery that finds the chunk done writes nothing."""
    from .services import proposals_save_needs, rank_for
    from .sparse_index import in_memory

    chunk = MatchRunChunk.objects.filter(run_id=run_id, number=number).select_related("run").first()
    if chunk is None or chunk.done_at is not None or chunk.run.status != MatchRun.Status.RUNNING:
        return ChunkResult()
    ranked, errors = [], []
    with in_memory(achievement_lists(run_id)), knowledge.held():
        for need_id in chunk.need_ids:
            try:
                ranked.append((need_id, rank_for(kind=PostingKind.NEED, posting_id=need_id, top_k=top_k)))
            except Exception as exc:  # one bad posting must not stop the run; recorded on the chunk and run
                logger.exception("matching need %s failed", need_id)
                errors.append({"need": need_id, "error": f"{type(exc).__name__}: {exc}"[:300]})
    result = ChunkResult()
    with transaction.atomic():
        # the chunk's row lock serialises its deliveries; the run's lock (taken last, briefly) its counters
        fresh = MatchRunChunk.objects.select_for_update().get(pk=chunk.pk)
        if fresh.done_at is not None:
            return ChunkResult()  # another delivery finished it first
        saved = proposals_save_needs(rankings=ranked)  # also withdraws what no longer qualifies
        result.created, result.updated = saved.created, saved.updated
        fresh.done_at = timezone.now()
        fresh.processed, fresh.created, fresh.updated, fresh.errors = (
            len(ranked),
            result.created,
            result.updated,
            errors,
        )
        fresh.save(update_fields=["done_at", "processed", "created", "updated", "errors"])
        run = MatchRun.objects.select_for_update().get(pk=run_id)
        if run.status != MatchRun.Status.RUNNING:  # cancelled or failed meanwhile: leave no trace
            transaction.set_rollback(True)
            return ChunkResult()
        _recount(run_id)
        result.counted = True
        if not MatchRunChunk.objects.filter(run_id=run_id, done_at=None).exists():
            match_run_finish(run_id=run_id)
    return result


def match_run_finish(*, run_id: int) -> None:
    """Mark a running run done; after a run that saved many proposals, refresh PostgreSQL's statistics of
    the match table (the review queue is planned from them: ``mengkeju.lib.planner_stats``)."""
    now = timezone.now()
    finished = MatchRun.objects.filter(pk=run_id, status=MatchRun.Status.RUNNING).update(
        status=MatchRun.Status.DONE, finished_at=now, progress_at=now, updated_at=now
    )
    if finished:
        counts = MatchRun.objects.filter(pk=run_id).values_list("proposals_created", "proposals_updated").first()
        analyze_after_bulk_write([Match._meta.db_table], rows=sum(counts or (0, 0)))


def _end(*, run_id: int, status: str, error: dict | None) -> bool:
    """Move an active run to ``status`` (failed, cancelled) with an error entry; False if it was not active."""
    with transaction.atomic():
        run = MatchRun.objects.select_for_update().filter(pk=run_id).first()
        if run is None or run.status not in ACTIVE:
            return False
        if error:
            run.errors = [*run.errors, error][-200:]
        run.status = status
        run.finished_at = timezone.now()
        run.save(update_fields=["errors", "status", "finished_at", "updated_at"])
    return True


def match_run_fail(*, run_id: int, error: str) -> bool:
    """Fail an active run, recording why (shown on /matching/runs/). False when it had ended already."""
    return _end(run_id=run_id, status=MatchRun.Status.FAILED, error={"error": error[:500]})


def match_run_cancel(*, run: MatchRun, user, reason: str = "") -> MatchRun:
    """An admin ends a queued or running full run (a stuck one, or one started by mistake); audited.
    Chunks still queued are skipped when they arrive. Raises ``MatchRunNotActive`` if it has ended."""
    from mengkeju.core.services import audit_log_record

    with transaction.atomic():
        note = reason.strip()[:300]
        text = _("cancelled by %(user)s") % {"user": user}
        if not _end(
            run_id=run.pk, status=MatchRun.Status.CANCELLED, error={"error": f"{text}: {note}" if note else text}
        ):
            run.refresh_from_db()
            raise MatchRunNotActive(
                _("Run #%(id)s is %(status)s already.") % {"id": run.pk, "status": run.get_status_display()}
            )
        audit_log_record(actor=user, action="matchrun.cancel", target=run, summary=f"cancel run #{run.pk}", note=note)
    run.refresh_from_db()
    return run


def match_runs_fail_stalled(*, now=None) -> list[int]:
    """Fail every active full run without progress (start, prepare step, finished chunk) for longer than
    ``MATCHING_RUN_STALL_SECONDS``; returns their ids. Beat every 5 minutes; ``manage.py fail_stalled_runs``."""
    now = now or timezone.now()
    limit = stall_seconds()
    cutoff = now - timezone.timedelta(seconds=limit)
    stalled = MatchRun.objects.filter(status__in=ACTIVE).filter(
        Q(progress_at__lt=cutoff) | Q(progress_at__isnull=True, created_at__lt=cutoff)
    )
    failed = []
    for run_id in stalled.values_list("pk", flat=True):
        reason = STALLED_REASON % {"seconds": limit}
        if match_run_fail(run_id=run_id, error=str(reason)):
            logger.warning("full run %s failed: no progress for %s s", run_id, limit)
            failed.append(run_id)
    return failed


STALLED_REASON = gettext_lazy("no progress for %(seconds)s seconds (MATCHING_RUN_STALL_SECONDS): failed automatically")


def match_run_execute(*, run_id: int, top_k: int | None = None, chunk_size: int | None = None) -> MatchRun:
    """The whole full run in this process (``manage.py match --all``, evaluation): same code as the tasks."""
    for number in match_run_prepare(run_id=run_id, chunk_size=chunk_size):
        match_run_chunk(run_id=run_id, number=number, top_k=top_k)
    return MatchRun.objects.get(pk=run_id)
