"""What a user's workbench shows.  Every section is one query (or a fixed few), whatever the number of rows:
lists are annotated and cut to ``LIMIT`` rows, and counts are aggregated in the database."""

from __future__ import annotations

import datetime

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from achievements.models import Achievement
from matching.models import DealStage, Match, MatchSource, MatchStatus
from mengkeju.core.models import Organization, Role, User
from mengkeju.notifications.models import Notification
from mengkeju.postings.models import Posting, PostingStatus
from needs.models import TechnicalNeed

LIMIT = 10
# a deadline this close (days) is a reminder
DEADLINE_SOON_DAYS = 14
ACTIVE_STAGES = (DealStage.INTRODUCED, DealStage.CONTACTED, DealStage.NEGOTIATING, DealStage.SIGNED)


def _own_model(user: User) -> type[Posting] | None:
    if user.organization_id is None:
        return None
    if user.has_role(Role.ENTERPRISE):
        return TechnicalNeed
    if user.has_role(Role.RESEARCHER):
        return Achievement
    return None


def workbench_postings(*, user: User) -> tuple[type[Posting] | None, list[Posting], dict[str, int]]:
    """The organization's postings (every state; the newest ``LIMIT``) with ``view_count`` and
    ``n_interest`` (interest expressed and challenge entries), and the number in each state."""
    model = _own_model(user)
    if model is None:
        return None, [], {}
    own = model.objects.filter(organization_id=user.organization_id)
    counts = dict(own.order_by().values_list("status").annotate(n=Count("id")))
    interest = Count("matches", filter=Q(matches__source__in=[MatchSource.INTEREST, MatchSource.CHALLENGE]))
    rows = list(own.annotate(n_interest=interest).order_by("-updated_at", "-id")[:LIMIT])
    return model, rows, {status: counts.get(status, 0) for status in PostingStatus.values}


def _org_matches(organization_id: int) -> QuerySet:
    return Match.objects.filter(
        Q(need__organization_id=organization_id) | Q(achievement__organization_id=organization_id)
    ).select_related("need__organization", "achievement__organization")


def workbench_waiting(*, user: User) -> dict[str, list | int]:
    """What waits for this user to act (or to hear back), by kind of item."""
    waiting: dict[str, list | int] = {}
    if user.organization_id:
        org_matches = _org_matches(user.organization_id)
        # introduced but nobody has reported the first contact yet
        waiting["introductions"] = list(
            org_matches.filter(status=MatchStatus.APPROVED, deal_stage=DealStage.INTRODUCED).order_by(
                "-reviewed_at", "-id"
            )[:LIMIT]
        )
        # interest the organization expressed that a broker has not reviewed yet
        waiting["requests"] = list(
            Match.objects.filter(
                status=MatchStatus.PROPOSED,
                source=MatchSource.INTEREST,
                requested_by__organization_id=user.organization_id,
            )
            .select_related("need__organization", "achievement__organization")
            .order_by("-created_at")[:LIMIT]
        )
        if user.has_role(Role.ENTERPRISE):
            from mengkeju.deals.models import ChallengeEntry

            waiting["entries"] = list(
                ChallengeEntry.objects.filter(
                    need__organization_id=user.organization_id, status=ChallengeEntry.Status.SUBMITTED
                )
                .select_related("need", "organization", "achievement")
                .order_by("-created_at")[:LIMIT]
            )
    if user.is_broker:
        waiting["queue_count"] = Match.objects.filter(status=MatchStatus.PROPOSED).count()
        waiting["queue_requests"] = list(
            Match.objects.filter(status=MatchStatus.PROPOSED)
            .exclude(source=MatchSource.MATCHER)
            .select_related("need__organization", "achievement__organization", "requested_by")
            .order_by("created_at")[:LIMIT]
        )
    if user.is_platform_admin:
        waiting["moderation"] = {
            "needs": TechnicalNeed.objects.filter(status=PostingStatus.PENDING).count(),
            "achievements": Achievement.objects.filter(status=PostingStatus.PENDING).count(),
            "organizations": Organization.objects.filter(verified=False).count(),
            "members": User.objects.filter(requested_organization__isnull=False).count(),
        }
    return waiting


def workbench_deals(*, user: User) -> list[Match]:
    """Deals under way: the organization's approved pairs, or those a broker is responsible for (latest first)."""
    if user.is_broker:
        # the deals the broker is responsible for (a broker's own organization, a service agency, is no side)
        deals = Match.objects.filter(deal__broker=user).select_related(
            "need__organization", "achievement__organization"
        )
    elif user.organization_id:
        deals = _org_matches(user.organization_id)
    else:
        return []
    return list(deals.filter(status=MatchStatus.APPROVED, deal_stage__in=ACTIVE_STAGES).order_by("-updated_at")[:LIMIT])


def workbench_reminders(*, user: User, model: type[Posting] | None) -> dict[str, list]:
    """Unread notifications and own postings whose deadline is near or which still need the owner."""
    reminders: dict[str, list] = {
        "notifications": list(
            Notification.objects.filter(recipient=user, read_at__isnull=True).order_by("-created_at", "-id")[:5]
        )
    }
    if model is not None:
        today = timezone.localdate()
        reminders["deadlines"] = list(
            model.objects.filter(
                organization_id=user.organization_id,
                status=PostingStatus.PUBLISHED,
                deadline__gte=today,
                deadline__lte=today + datetime.timedelta(days=DEADLINE_SOON_DAYS),
            ).order_by("deadline")[:LIMIT]
        )
    return reminders


def workbench_messages(*, user: User) -> dict | None:
    """Unread messages and the latest threads (``LIMIT``) of the user's deals; None for someone who has no
    threads to be in (no organization and not a broker).  Two queries."""
    from mengkeju.messaging import selectors as messaging_selectors

    if not user.organization_id and not user.is_broker:
        return None
    return {
        "unread": messaging_selectors.unread_count(user=user),
        "threads": list(messaging_selectors.thread_list(user=user)[:5]),
    }
