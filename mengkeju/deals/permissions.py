"""Who may see and do what with a match: one table, used by views, selectors, services and templates.

* brokers and admins see every match, decide proposals, move deals and see contact details;
* the two sides (members of the need's and of the achievement's organization) see an approved match,
  its contact details and move its deal along;
* the organization that asked for a match (expressed interest, challenge entry) sees its request,
  without contact details until it is approved;
* nobody else sees a match at all.
"""

from matching.models import DealStage, Match, MatchStatus
from mengkeju.core.models import Role, User
from mengkeju.postings import permissions as posting_permissions
from mengkeju.postings.models import Posting, PostingStatus

FINAL_STAGES = (DealStage.IMPLEMENTED, DealStage.DROPPED)


def can_review(user: User) -> bool:
    return user.is_authenticated and user.is_broker


def can_export(user: User) -> bool:
    return user.is_authenticated and user.is_platform_admin


def is_side(user: User, match: Match) -> bool:
    return (
        user.is_authenticated
        and user.organization_id is not None
        and user.organization_id in (match.need.organization_id, match.achievement.organization_id)
    )


def is_requester(user: User, match: Match) -> bool:
    requester = match.requested_by
    return (
        user.is_authenticated
        and requester is not None
        and (requester.pk == user.pk or (user.organization_id and requester.organization_id == user.organization_id))
    )


def can_view_match(user: User, match: Match) -> bool:
    if can_review(user):
        return True
    if match.status == MatchStatus.APPROVED and is_side(user, match):
        return True
    return is_requester(user, match)


def can_see_contacts(user: User, match: Match) -> bool:
    """Contact people, phones, e-mails and addresses: only brokers/admins and both sides after approval."""
    return can_review(user) or (match.status == MatchStatus.APPROVED and is_side(user, match))


def nda_accepted(match: Match) -> bool:
    deal = getattr(match, "deal", None) if match.status == MatchStatus.APPROVED else None
    return bool(deal and deal.nda_accepted_at)


def can_read_full_need(user: User, match: Match) -> bool:
    """A confidential need's full text: as on its page (owners, brokers, admins), plus the achievement's
    side of an approved pair once the enterprise has recorded that they accepted its NDA."""
    if posting_permissions.can_read_full_text(user, match.need) or can_review(user):
        return True
    return match.status == MatchStatus.APPROVED and is_side(user, match) and nda_accepted(match)


def needs_nda(match: Match) -> bool:
    """An approved pair whose confidential need still waits for the NDA step."""
    return (
        match.status == MatchStatus.APPROVED and getattr(match.need, "confidential", False) and not nda_accepted(match)
    )


def can_record_nda(user: User, match: Match) -> bool:
    return needs_nda(match) and posting_permissions.can_manage(user, match.need)


def can_claim_deal(user: User, match: Match) -> bool:
    deal = getattr(match, "deal", None)
    return match.status == MatchStatus.APPROVED and can_review(user) and (deal is None or deal.broker_id is None)


def can_assign_deal(user: User, match: Match) -> bool:
    return match.status == MatchStatus.APPROVED and user.is_authenticated and user.is_platform_admin


def can_move_deal(user: User, match: Match) -> bool:
    return (
        match.status == MatchStatus.APPROVED
        and match.deal_stage not in FINAL_STAGES
        and (can_review(user) or is_side(user, match))
    )


def interest_role_for(posting: Posting) -> str:
    """Enterprise members express interest in achievements, researchers in needs."""
    return Role.RESEARCHER if posting.kind == "need" else Role.ENTERPRISE


def can_express_interest(user: User, posting: Posting) -> bool:
    return (
        user.is_authenticated
        and posting.status == PostingStatus.PUBLISHED
        and user.organization_id is not None
        and user.organization_id != posting.organization_id
        and user.has_role(interest_role_for(posting))
    )


def can_enter_challenge(user: User, need) -> bool:
    return (
        user.is_authenticated
        and need.is_challenge
        and need.status == PostingStatus.PUBLISHED
        and user.organization_id is not None
        and user.organization_id != need.organization_id
        and user.has_role(Role.RESEARCHER)
    )


def can_choose_entry(user: User, need) -> bool:
    """The enterprise that posted the challenge chooses the winner."""
    return posting_permissions.can_manage(user, need)
