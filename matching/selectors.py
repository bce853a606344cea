"""The matcher's reads."""

from django.db.models import Count, Max, Q

from .models import Match, MatchRun, MatchStatus, Synonym

ACTIVE_RUN_STATUSES = (MatchRun.Status.QUEUED, MatchRun.Status.RUNNING)


def synonym_pairs() -> list[tuple[str, str]]:
    return list(Synonym.objects.order_by("term", "synonym").values_list("term", "synonym"))


def synonyms_version() -> tuple:
    agg = Synonym.objects.aggregate(n=Count("id"), last=Max("updated_at"))
    return agg["n"], agg["last"].isoformat() if agg["last"] else None


def match_run_list(*, limit: int = 20):
    return MatchRun.objects.select_related("started_by").order_by("-created_at", "-id")[:limit]


def match_run_active():
    """The full run still queued or running, if any (the newest)."""
    return (
        MatchRun.objects.filter(kind=MatchRun.Kind.FULL, status__in=ACTIVE_RUN_STATUSES)
        .select_related("started_by")
        .order_by("-created_at", "-id")
        .first()
    )


def match_run_current():
    """What the runs page shows on top: the active full run, else the latest full run."""
    full = MatchRun.objects.filter(kind=MatchRun.Kind.FULL).select_related("started_by")
    return match_run_active() or full.order_by("-created_at", "-id").first()


def synonym_list(*, search: str = ""):
    qs = Synonym.objects.order_by("term", "synonym")
    search = search.strip()
    if search:
        qs = qs.filter(Q(term__icontains=search) | Q(synonym__icontains=search) | Q(note__icontains=search))
    return qs


def proposals_for_posting(*, posting, statuses=(MatchStatus.PROPOSED,)):
    """Matches of one posting, best first, with the other side loaded."""
    from .indexing import PostingKind, kind_of

    if kind_of(posting) == PostingKind.NEED:
        qs = Match.objects.filter(need=posting).select_related("achievement", "achievement__organization")
    else:
        qs = Match.objects.filter(achievement=posting).select_related("need", "need__organization")
    return qs.filter(status__in=statuses).order_by("-score", "id")
