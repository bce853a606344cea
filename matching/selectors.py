"""The matcher's reads."""

from django.db.models import Count, Max

from .models import Match, MatchRun, MatchStatus, Synonym


def synonym_pairs() -> list[tuple[str, str]]:
    return list(Synonym.objects.order_by("term", "synonym").values_list("term", "synonym"))


def synonyms_version() -> tuple:
    agg = Synonym.objects.aggregate(n=Count("id"), last=Max("updated_at"))
    return agg["n"], agg["last"].isoformat() if agg["last"] else None


def match_run_list(*, limit: int = 20):
    return MatchRun.objects.select_related("started_by").order_by("-created_at", "-id")[:limit]


def proposals_for_posting(*, posting, statuses=(MatchStatus.PROPOSED,)):
    """Matches of one posting, best first, with the other side loaded."""
    from .services import PostingKind, kind_of

    if kind_of(posting) == PostingKind.NEED:
        qs = Match.objects.filter(need=posting).select_related("achievement", "achievement__organization")
    else:
        qs = Match.objects.filter(achievement=posting).select_related("need", "need__organization")
    return qs.filter(status__in=statuses).order_by("-score", "id")
