"""Reads of matches, deals and challenges with the visibility rules of ``permissions`` applied."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db.models import BooleanField, Case, Count, Exists, OuterRef, Prefetch, Q, QuerySet, Value, When
from django.http import Http404
from django.utils import timezone

from achievements.models import Achievement
from matching.models import DealStage, Match, MatchStatus
from mengkeju.core.models import User
from mengkeju.postings import selectors as posting_selectors
from mengkeju.postings.models import Posting, PostingStatus
from needs.models import TechnicalNeed

from . import permissions
from .models import ChallengeEntry, Deal, DealEvent, Escalation

AGE_CHOICES = {
    # name: (newer than N days, older than N days)
    "1": (1, None),
    "7": (7, None),
    "gt7": (None, 7),
    "gt30": (None, 30),
}
SORTS = {"score": ("-score", "id"), "oldest": ("created_at", "id"), "newest": ("-created_at", "-id")}


def _matches() -> QuerySet:
    return Match.objects.select_related(
        "need__organization",
        "need__cluster",
        "achievement__organization",
        "achievement__cluster",
        "requested_by__organization",
        "reviewed_by",
        "deal__broker",
    )


def match_filter(
    queryset: QuerySet,
    *,
    cluster=None,
    score_min: float | None = None,
    score_max: float | None = None,
    age: str = "",
    source: str = "",
    status: str = "",
    stage: str = "",
    created_from: datetime.date | None = None,
    created_to: datetime.date | None = None,
) -> QuerySet:
    """The filters shared by the review queue and the exports (all optional)."""
    if cluster is not None:
        queryset = queryset.filter(Q(need__cluster=cluster) | Q(achievement__cluster=cluster))
    if score_min is not None:
        queryset = queryset.filter(score__gte=score_min)
    if score_max is not None:
        queryset = queryset.filter(score__lte=score_max)
    if age in AGE_CHOICES:
        now = timezone.now()
        newer, older = AGE_CHOICES[age]
        if newer is not None:
            queryset = queryset.filter(created_at__gte=now - datetime.timedelta(days=newer))
        if older is not None:
            queryset = queryset.filter(created_at__lt=now - datetime.timedelta(days=older))
    if source:
        queryset = queryset.filter(source=source)
    if status:
        queryset = queryset.filter(status=status)
    if stage:
        queryset = queryset.filter(deal_stage=stage)
    if created_from:
        queryset = queryset.filter(created_at__date__gte=created_from)
    if created_to:
        queryset = queryset.filter(created_at__date__lte=created_to)
    return queryset


def match_review_queue(*, sort: str = "score", **filters) -> QuerySet:
    """Open proposals between two published postings, best first (``match_queue_idx``: status, -score).

    The matcher withdraws its own proposals when a posting stops being published; a request (expressed
    interest) on such a posting stays proposed but leaves the queue until the posting is published again."""
    queryset = match_filter(
        _matches().filter(
            status=MatchStatus.PROPOSED,
            need__status=PostingStatus.PUBLISHED,
            achievement__status=PostingStatus.PUBLISHED,
        ),
        **filters,
    )
    return queryset.order_by(*SORTS.get(sort, SORTS["score"]))


def match_get(*, user: User, pk: int) -> Match:
    """A match the user may see, else 404."""
    match = _matches().filter(pk=pk).first()
    if match is None or not permissions.can_view_match(user, match):
        raise Http404
    return match


def match_list_for_user(*, user: User) -> QuerySet:
    """我的匹配: the user's organization's introductions (approved) and its own requests (any status); for a
    broker also the approved pairs they are responsible for."""
    if not user.is_authenticated:
        return Match.objects.none()
    mine = Q(status=MatchStatus.APPROVED, deal__broker=user) if permissions.can_review(user) else Q(pk__in=[])
    org = user.organization_id
    if org is not None:
        side = Q(need__organization_id=org) | Q(achievement__organization_id=org)
        mine |= (side & Q(status=MatchStatus.APPROVED)) | Q(requested_by__organization_id=org) | Q(requested_by=user)
    elif not permissions.can_review(user):
        return Match.objects.none()
    return _matches().select_related("deal__broker").filter(mine).order_by("-updated_at", "-id")


def match_export_list(**filters) -> QuerySet:
    return match_filter(_matches(), **filters).order_by("need_id", "-score", "id")


def deal_list(**filters) -> QuerySet:
    """Approved matches (deals) for the export, newest decision first."""
    return match_filter(_matches().filter(status=MatchStatus.APPROVED), **filters).order_by("-reviewed_at", "-id")


def match_timeline(*, match: Match) -> QuerySet:
    return DealEvent.objects.filter(match=match).select_related("actor").order_by("created_at", "id")


def counterpart_choices(*, user: User, posting: Posting) -> QuerySet:
    """The user's organization's published postings of the other kind (for "express interest")."""
    model = Achievement if posting.kind == "need" else TechnicalNeed
    if not user.is_authenticated or user.organization_id is None:
        return model.objects.none()
    return model.objects.filter(organization_id=user.organization_id, status=PostingStatus.PUBLISHED).order_by(
        "-published_at", "-id"
    )


# --- challenges ----------------------------------------------------------------------------------------


def challenge_board() -> QuerySet:
    """Open challenges: published challenge needs before their deadline without a chosen winner."""
    today = timezone.localdate()
    return (
        TechnicalNeed.objects.filter(status=PostingStatus.PUBLISHED, is_challenge=True)
        .filter(Q(deadline__isnull=True) | Q(deadline__gte=today))
        .exclude(challenge_entries__status=ChallengeEntry.Status.CHOSEN)
        .select_related("organization", "cluster")
        .annotate(n_entries=Count("challenge_entries", distinct=True))
        .order_by("deadline", "-published_at", "id")
    )


def challenge_archive() -> QuerySet:
    """Past challenges: published, closed or expired challenge needs that have a winner or whose deadline
    passed, most recent first; each with ``winners`` (a list of at most one chosen entry)."""
    today = timezone.localdate()
    chosen = ChallengeEntry.objects.filter(status=ChallengeEntry.Status.CHOSEN).select_related(
        "organization", "achievement"
    )
    return (
        TechnicalNeed.objects.filter(
            is_challenge=True, status__in=[PostingStatus.PUBLISHED, PostingStatus.CLOSED, PostingStatus.EXPIRED]
        )
        .filter(
            Q(challenge_entries__status=ChallengeEntry.Status.CHOSEN)
            | Q(deadline__lt=today)
            | ~Q(status=PostingStatus.PUBLISHED)
        )
        .distinct()
        .select_related("organization", "cluster")
        .prefetch_related(Prefetch("challenge_entries", queryset=chosen, to_attr="winners"))
        .order_by("-deadline", "-id")
    )


def challenge_winner(*, need: TechnicalNeed) -> ChallengeEntry | None:
    """The chosen entry of a challenge (public: the 成交公示), or None."""
    return (
        ChallengeEntry.objects.filter(need=need, status=ChallengeEntry.Status.CHOSEN)
        .select_related("organization", "achievement")
        .first()
    )


def challenge_get(*, user: User, pk: int) -> TechnicalNeed:
    need = posting_selectors.posting_get(model=TechnicalNeed, pk=pk, user=user)
    if not need.is_challenge:
        raise Http404
    return need


def challenge_entries(*, user: User, need: TechnicalNeed) -> QuerySet:
    """All entries for the challenge's owners, brokers and admins; a researcher sees their organization's."""
    entries = ChallengeEntry.objects.filter(need=need).select_related(
        "achievement", "organization", "submitted_by", "match"
    )
    if permissions.can_choose_entry(user, need) or permissions.can_review(user):
        return entries
    if user.is_authenticated and user.organization_id:
        return entries.filter(organization_id=user.organization_id)
    return entries.none()


def challenge_entry_get(*, user: User, pk: int) -> ChallengeEntry:
    entry = ChallengeEntry.objects.select_related("need", "achievement", "organization").filter(pk=pk).first()
    if entry is None or not challenge_entries(user=user, need=entry.need).filter(pk=pk).exists():
        raise Http404
    return entry


# --- the broker's pipeline -------------------------------------------------------------------------------

# stages in which a deal is expected to move on (a signed contract waits for implementation on its own time)
ACTIVE_STAGES = (DealStage.INTRODUCED, DealStage.CONTACTED, DealStage.NEGOTIATING)
BOARD_STAGES = [
    DealStage.INTRODUCED,
    DealStage.CONTACTED,
    DealStage.NEGOTIATING,
    DealStage.SIGNED,
    DealStage.IMPLEMENTED,
    DealStage.DROPPED,
]


def stalled_before(now: datetime.datetime | None = None) -> datetime.datetime:
    """Deals whose last activity is older than this are stalled (``DEAL_STALLED_DAYS``)."""
    return (now or timezone.now()) - datetime.timedelta(days=settings.DEAL_STALLED_DAYS)


def deal_board(
    *,
    user: User,
    cluster=None,
    broker: User | None = None,
    stage: str = "",
    stalled: bool = False,
    mine: bool = False,
    unassigned: bool = False,
    now: datetime.datetime | None = None,
) -> QuerySet:
    """Approved pairs for the deal board (brokers and admins), most recently active first.

    Each row carries ``deal`` (with ``broker``) and ``is_stalled`` (bool): no stage change or message for
    ``DEAL_STALLED_DAYS`` while in an active stage. The page's rows cost one query however many there are.
    Raises ``PermissionDenied`` for anyone but brokers and admins."""
    from django.core.exceptions import PermissionDenied

    if not permissions.can_review(user):
        raise PermissionDenied
    threshold = stalled_before(now)
    stalled_q = Q(deal_stage__in=ACTIVE_STAGES) & (
        Q(deal__last_activity_at__lt=threshold) | Q(deal__isnull=True, reviewed_at__lt=threshold)
    )
    queryset = (
        _matches()
        .select_related("deal__broker")
        .filter(status=MatchStatus.APPROVED)
        .annotate(is_stalled=Case(When(stalled_q, then=Value(True)), default=Value(False), output_field=BooleanField()))
    )
    if cluster is not None:
        queryset = queryset.filter(Q(need__cluster=cluster) | Q(achievement__cluster=cluster))
    if broker is not None:
        queryset = queryset.filter(deal__broker=broker)
    if mine:
        queryset = queryset.filter(deal__broker=user)
    if unassigned:
        queryset = queryset.filter(Q(deal__isnull=True) | Q(deal__broker__isnull=True))
    if stage:
        queryset = queryset.filter(deal_stage=stage)
    if stalled:
        queryset = queryset.filter(stalled_q)
    return queryset.order_by("-is_stalled", "-deal__last_activity_at", "-id")


def deal_stalled_list(*, now: datetime.datetime | None = None) -> QuerySet:
    """Deals in an active stage with no stage change or message for ``DEAL_STALLED_DAYS``."""
    return Deal.objects.select_related("broker", "match__need", "match__achievement").filter(
        match__status=MatchStatus.APPROVED,
        match__deal_stage__in=ACTIVE_STAGES,
        last_activity_at__lt=stalled_before(now),
    )


def review_overdue_list(*, now: datetime.datetime | None = None) -> QuerySet:
    """Proposals in the review queue for more than ``REVIEW_PROMISE_DAYS`` not yet escalated."""
    limit = (now or timezone.now()) - datetime.timedelta(days=settings.REVIEW_PROMISE_DAYS)
    done = Escalation.objects.filter(match=OuterRef("pk"), kind=Escalation.Kind.REVIEW, since=OuterRef("created_at"))
    return match_review_queue(sort="oldest").filter(created_at__lt=limit).exclude(Exists(done))


def contact_overdue_list(*, now: datetime.datetime | None = None) -> QuerySet:
    """Pairs still "introduced" ``CONTACT_PROMISE_DAYS`` after the introduction, not yet escalated."""
    limit = (now or timezone.now()) - datetime.timedelta(days=settings.CONTACT_PROMISE_DAYS)
    done = Escalation.objects.filter(match=OuterRef("pk"), kind=Escalation.Kind.CONTACT, since=OuterRef("reviewed_at"))
    return (
        _matches()
        .filter(status=MatchStatus.APPROVED, deal_stage=DealStage.INTRODUCED, reviewed_at__lt=limit)
        .exclude(Exists(done))
        .order_by("reviewed_at", "id")
    )


def broker_choices() -> QuerySet:
    """Active brokers and admins (who can hold a deal), by name."""
    from mengkeju.core.models import Role

    return (
        User.objects.filter(is_active=True)
        .filter(Q(groups__name__in=[Role.BROKER, Role.ADMIN]) | Q(is_superuser=True))
        .distinct()
        .order_by("display_name", "username")
    )
