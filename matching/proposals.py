"""Proposals: the matcher's ``Match`` rows, upserted from a ranking (``proposals_save``).

Lower layer of ``matching.services``.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from mengkeju.lib.bulk import copy_instances, insert_columns

from .models import (
    Match,
    MatchSource,
    MatchStatus,
)
from .scoring import ALGORITHM_VERSION, Scored

# --- proposals -----------------------------------------------------------------------------------


@dataclass
class SaveResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    withdrawn: int = 0


def proposals_save(*, pairs: list[tuple[int, int, Scored]], need_id: int | None = None) -> SaveResult:
    """Upsert proposals. Open proposals get the new score; withdrawn ones are proposed again; rejected,
    approved and interest-sourced matches are never touched. Safe to run twice (same rows).

    With ``need_id`` (``pairs`` is then that need's whole new ranking), the matcher's open proposals of
    the need that are no longer proposed are withdrawn, so a re-match never leaves stale proposals in
    the review queue."""
    result = SaveResult()
    if need_id is not None:
        keep = {ach_id for n, ach_id, _s in pairs if n == need_id}
        # the need's matches are locked and read by the need alone, and the stale ones withdrawn by id, so
        # every plan goes through an index that starts with the need or the id: with ``status`` in the
        # query, a planner whose statistics say the table is empty (the first full run, or one after a
        # bulk delete, before ANALYZE) read every open proposal through (achievement, status) instead —
        # 40–80 ms a need once 50,000 proposals were open, a full run slowing down quadratically
        # (docs/benchmarks.md "Matching at scale"). The lock makes a broker's decision of the same
        # moment wait, then stand.
        with transaction.atomic():
            stale = [
                pk
                for pk, ach_id, source, status in Match.objects.select_for_update()
                .filter(need_id=need_id)
                .values_list("pk", "achievement_id", "source", "status")
                if source == MatchSource.MATCHER and status == MatchStatus.PROPOSED and ach_id not in keep
            ]
            if stale:
                result.withdrawn = Match.objects.filter(pk__in=stale).update(
                    status=MatchStatus.WITHDRAWN, updated_at=timezone.now()
                )
    if not pairs:
        return result
    with transaction.atomic():
        q = Q()
        for need_id, ach_id, _s in pairs:
            q |= Q(need_id=need_id, achievement_id=ach_id)
        existing = {(m.need_id, m.achievement_id): m for m in Match.objects.select_for_update().filter(q)}
        new, changed = _sort_out(pairs, existing, result)
        Match.objects.bulk_create(new, ignore_conflicts=True)
        Match.objects.bulk_update(changed, UPDATED_FIELDS)
    result.created, result.updated = len(new), len(changed)
    return result


UPDATED_FIELDS = ["score", "components", "explanation", "algorithm_version", "status", "updated_at"]


def _sort_out(pairs, existing: dict, result: SaveResult) -> tuple[list[Match], list[Match]]:
    """(new, changed) ``Match`` rows for ``pairs`` [(need id, achievement id, Scored)] given the ``existing``
    rows by (need id, achievement id): a new pair is created; an open or withdrawn proposal of the matcher
    gets the new score (and is proposed again); decisions, pairs of another source and unchanged proposals
    are left alone (counted in ``result.unchanged``)."""
    now = timezone.now()
    new, changed = [], []
    for need_id, ach_id, s in pairs:
        fields = {
            "score": s.score,
            "components": s.components,
            "explanation": s.explanation,
            "algorithm_version": ALGORITHM_VERSION,
        }
        match = existing.get((need_id, ach_id))
        if match is None:
            new.append(Match(need_id=need_id, achievement_id=ach_id, source=MatchSource.MATCHER, **fields))
            continue
        if match.source != MatchSource.MATCHER or match.status not in (MatchStatus.PROPOSED, MatchStatus.WITHDRAWN):
            result.unchanged += 1
            continue
        if match.status == MatchStatus.PROPOSED and all(getattr(match, k) == v for k, v in fields.items()):
            result.unchanged += 1
            continue
        for k, v in fields.items():
            setattr(match, k, v)
        match.status = MatchStatus.PROPOSED
        match.updated_at = now
        changed.append(match)
    return new, changed


def proposals_save_needs(*, rankings: list[tuple[int, list[tuple[int, int, Scored]]]]) -> SaveResult:
    """``proposals_save(pairs=pairs, need_id=need_id)`` for each ``(need_id, pairs)`` of ``rankings`` — the
    whole new rankings of several needs, a full run's chunk — with the same rows as a result, in five
    queries for the chunk instead of about five a need: lock and read every match of the chunk's needs
    (ordered by id), withdraw the stale ones, read the ones to compare, insert, update. Counts are summed
    over the needs. A pair whose need is not the ranking's own is saved by ``proposals_save`` instead.
    Call it inside the chunk's transaction (``runs.match_run_chunk``)."""
    result = SaveResult()
    if any(n != need_id for need_id, pairs in rankings for n, _a, _s in pairs):
        for need_id, pairs in rankings:
            saved = proposals_save(pairs=pairs, need_id=need_id)
            for name in ("created", "updated", "unchanged", "withdrawn"):
                setattr(result, name, getattr(result, name) + getattr(saved, name))
        return result
    need_ids = [need_id for need_id, _pairs in rankings]
    if not need_ids:
        return result
    wanted = {(need_id, ach_id): s for need_id, pairs in rankings for _n, ach_id, s in pairs}
    now = timezone.now()
    with transaction.atomic():
        # see proposals_save: the need's matches are locked and read by the need alone (index on need)
        rows = list(
            Match.objects.select_for_update()
            .filter(need_id__in=need_ids)
            .order_by("pk")
            .values_list("pk", "need_id", "achievement_id", "source", "status")
        )
        stale = [
            pk
            for pk, need_id, ach_id, source, status in rows
            if source == MatchSource.MATCHER and status == MatchStatus.PROPOSED and (need_id, ach_id) not in wanted
        ]
        if stale:
            result.withdrawn = Match.objects.filter(pk__in=stale).update(status=MatchStatus.WITHDRAWN, updated_at=now)
        present = [pk for pk, need_id, ach_id, _source, _status in rows if (need_id, ach_id) in wanted]
        existing = {(m.need_id, m.achievement_id): m for m in Match.objects.filter(pk__in=present)} if present else {}
        new, changed = _sort_out([(n, a, sc) for (n, a), sc in wanted.items()], existing, result)
        _insert_new(new)
        if changed:
            Match.objects.bulk_update(changed, UPDATED_FIELDS, batch_size=500)
    result.created, result.updated = len(new), len(changed)
    return result


def _insert_new(new: list[Match]) -> None:
    """Insert new proposals, skipping a pair that exists already (a concurrent incremental match may have
    proposed it a moment ago). On PostgreSQL by ``COPY`` into a temporary table dropped at commit, then one
    ``INSERT … SELECT … ON CONFLICT DO NOTHING``: ``bulk_create`` builds one placeholder per value (~20
    columns × ~900 proposals of a chunk) and psycopg then splits that query in Python; a full run of 2,000
    needs × 10k achievements spent 16.9 s saving with it, 7.3 s with this (docs/benchmarks.md "Matching at
    scale"). ``bulk_create`` elsewhere and for a few rows."""
    if connection.vendor != "postgresql" or len(new) < 20:
        Match.objects.bulk_create(new, ignore_conflicts=True, batch_size=500)
        return
    columns = insert_columns(Match)
    table = connection.ops.quote_name(Match._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMPORARY TABLE match_new ON COMMIT DROP AS SELECT {columns} FROM {table} WITH NO DATA")
        copy_instances(cursor, "match_new", new)
        cursor.execute(f"INSERT INTO {table} ({columns}) SELECT {columns} FROM match_new ON CONFLICT DO NOTHING")
        cursor.execute("DROP TABLE match_new")  # now, so that another save in this transaction can create it
