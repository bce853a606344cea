"""Who reads and writes a pair's messages: the members of both sides' organizations and the pair's
responsible broker, once the pair is approved. Nobody else — not other brokers, not admins."""

from matching.models import Match, MatchStatus
from mengkeju.core.models import User
from mengkeju.deals import permissions as deal_permissions


def is_member(user: User, match: Match) -> bool:
    if not user.is_authenticated or not user.is_active or match.status != MatchStatus.APPROVED:
        return False
    if deal_permissions.is_side(user, match):
        return True
    deal = getattr(match, "deal", None)
    return deal is not None and deal.broker_id == user.pk
