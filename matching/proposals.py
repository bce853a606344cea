"""Proposals: the matcher's ``Match`` rows, upserted from a ranking (``proposals_save``).

Lower layer of ``matching.services``.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

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
        Match.objects.bulk_create(new, ignore_conflicts=True)
        Match.objects.bulk_update(changed, [*fields, "status", "updated_at"])
    result.created, result.updated = len(new), len(changed)
    return result
