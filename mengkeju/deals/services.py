"""Review decisions, expressed interest, deal stages and challenges (揭榜挂帅).

Every change of a match is a conditional UPDATE on the state the actor saw (``status='proposed'`` for a
decision, the current deal stage for a stage move), so of two people acting at once exactly one wins and
the other gets ``Conflict`` with a message saying what happened.  Decisions go to the audit log and the
deal timeline (``DealEvent``); approvals notify both sides in the same transaction (in-app notification
and an e-mail outbox row, sent after the commit).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from achievements.models import Achievement
from matching import services as matching_services
from matching.models import DealStage, Match, MatchSource, MatchStatus
from mengkeju.core.models import Role, User
from mengkeju.core.services import audit_log_record
from mengkeju.notifications.models import NotificationKind
from mengkeju.notifications.services import notify
from mengkeju.postings import permissions as posting_permissions
from mengkeju.postings.models import Posting, PostingStatus
from needs.models import TechnicalNeed

from . import permissions
from .models import ChallengeEntry, Deal, DealEvent, Escalation

STAGE_ORDER = [
    DealStage.INTRODUCED,
    DealStage.CONTACTED,
    DealStage.NEGOTIATING,
    DealStage.SIGNED,
    DealStage.IMPLEMENTED,
]
# stages a deal that reached them has "passed through" (the dashboard's funnel counts them)
CONTACTED_OR_LATER = (DealStage.CONTACTED, DealStage.NEGOTIATING, DealStage.SIGNED, DealStage.IMPLEMENTED)


class Conflict(ValidationError):
    """Somebody else changed the match first; the message says what it is now."""


def _members(*organization_ids) -> list[User]:
    return list(User.objects.filter(organization_id__in=[o for o in organization_ids if o], is_active=True))


def _brokers() -> list[User]:
    return list(User.objects.filter(groups__name=Role.BROKER, is_active=True).distinct())


def _match_data(match: Match) -> dict:
    return {"need": match.need.title, "achievement": match.achievement.title}


def _match_url(match: Match) -> str:
    return reverse("deals:match", args=[match.pk])


def _conflict_message(match_pk: int) -> str:
    current = Match.objects.select_related("reviewed_by").get(pk=match_pk)
    if current.status in (MatchStatus.APPROVED, MatchStatus.REJECTED) and current.reviewed_by:
        return _("%(who)s already decided this match (%(decision)s) at %(when)s; nothing was changed.") % {
            "who": current.reviewed_by,
            "decision": current.get_status_display(),
            "when": timezone.localtime(current.reviewed_at).strftime("%Y-%m-%d %H:%M") if current.reviewed_at else "",
        }
    return _("This match is no longer open for review (it is now: %(status)s); nothing was changed.") % {
        "status": current.get_status_display()
    }


# --- review decisions ----------------------------------------------------------------------------------


def _decide(*, match: Match, user: User, status: str, note: str) -> Match:
    if not permissions.can_review(user):
        raise PermissionDenied(_("Only technology brokers can review matches."))
    now = timezone.now()
    changes = {
        "status": status,
        "reviewed_by": user,
        "reviewed_at": now,
        "review_note": note.strip(),
        "updated_at": now,
    }
    if status == MatchStatus.APPROVED:
        changes["deal_stage"] = DealStage.INTRODUCED
    with transaction.atomic():
        updated = Match.objects.filter(pk=match.pk, status=MatchStatus.PROPOSED).update(**changes)
        if not updated:
            raise Conflict(_conflict_message(match.pk), code="conflict")
        for key, value in changes.items():
            setattr(match, key, value)
        audit_log_record(
            actor=user,
            action=f"match.{'approve' if status == MatchStatus.APPROVED else 'reject'}",
            target=match,
            summary=f"{status}: {match.need.title} ↔ {match.achievement.title}",
            note=note,
            data={"score": match.score, "source": match.source},
        )
        DealEvent.objects.create(
            match=match,
            actor=user,
            action=DealEvent.Action.APPROVED if status == MatchStatus.APPROVED else DealEvent.Action.REJECTED,
            stage=match.deal_stage,
            note=note.strip(),
        )
        if status == MatchStatus.APPROVED:
            _deal_open(match=match, broker=user, now=now)
            notify(
                recipients=_members(match.need.organization_id, match.achievement.organization_id),
                kind=NotificationKind.MATCH_APPROVED,
                data=_match_data(match),
                url=_match_url(match),
            )
        elif match.requested_by_id:
            notify(
                recipients=[match.requested_by],
                kind=NotificationKind.MATCH_REJECTED,
                data=_match_data(match),
                url=_match_url(match),
            )
    return match


def match_approve(*, match: Match, user: User, note: str = "") -> Match:
    """Approve a proposal: both sides are introduced (notified, and they now see each other's contacts)."""
    return _decide(match=match, user=user, status=MatchStatus.APPROVED, note=note)


def match_reject(*, match: Match, user: User, note: str) -> Match:
    if not note.strip():
        raise ValidationError({"note": _("Say why the match is rejected.")})
    return _decide(match=match, user=user, status=MatchStatus.REJECTED, note=note)


@dataclass
class BulkResult:
    decided: list[int] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)


def matches_decide(*, match_ids: list[int], user: User, approve: bool, note: str = "") -> BulkResult:
    """Decide several proposals; each in its own transaction, so one conflict does not undo the others."""
    if not permissions.can_review(user):
        raise PermissionDenied(_("Only technology brokers can review matches."))
    if not approve and not note.strip():
        raise ValidationError({"note": _("Say why the matches are rejected.")})
    result = BulkResult()
    matches = Match.objects.select_related("need", "achievement", "requested_by").filter(pk__in=match_ids)
    for match in matches.order_by("pk"):
        try:
            if approve:
                match_approve(match=match, user=user, note=note)
            else:
                match_reject(match=match, user=user, note=note)
        except Conflict as exc:
            result.conflicts.append(f"{match}: {' '.join(exc.messages)}")
        else:
            result.decided.append(match.pk)
    return result


# --- expressed interest --------------------------------------------------------------------------------


def _pair(posting: Posting, counterpart: Posting) -> tuple[TechnicalNeed, Achievement]:
    if isinstance(posting, TechnicalNeed):
        return posting, counterpart
    return counterpart, posting


def interest_express(*, user: User, posting: Posting, counterpart: Posting, message: str) -> Match:
    """An enterprise member's interest in an achievement (with one of their needs), or a researcher's in a
    need (with one of their achievements): a proposal with source "interest" in the brokers' queue."""
    if not permissions.can_express_interest(user, posting):
        raise PermissionDenied(_("You cannot express interest in this posting."))
    if (
        counterpart.kind == posting.kind
        or counterpart.organization_id != user.organization_id
        or counterpart.status != PostingStatus.PUBLISHED
    ):
        raise ValidationError({"counterpart": _("Choose one of your organization's published postings.")})
    message = message.strip()
    if len(message) > 1000:
        raise ValidationError({"message": _("Keep the message under 1000 characters.")})
    need, achievement = _pair(posting, counterpart)
    with transaction.atomic():
        match = Match.objects.select_for_update().filter(need=need, achievement=achievement).first()
        if match is not None:
            if match.status == MatchStatus.APPROVED:
                raise ValidationError(_("These two are already introduced."), code="approved")
            if match.status == MatchStatus.REJECTED:
                raise ValidationError(_("A broker has already declined this pair."), code="rejected")
            if match.status == MatchStatus.PROPOSED and match.source != MatchSource.MATCHER:
                raise ValidationError(_("Interest in this pair was already expressed; a broker will review it."))
            match.source = MatchSource.INTEREST
            match.status = MatchStatus.PROPOSED
            match.requested_by = user
            match.message = message
            matching_services.match_fill_score(match=match)
            match.save()
        else:
            match = Match(
                need=need,
                achievement=achievement,
                source=MatchSource.INTEREST,
                status=MatchStatus.PROPOSED,
                requested_by=user,
                message=message,
            )
            matching_services.match_fill_score(match=match)
            match.full_clean(validate_unique=False, validate_constraints=False)
            try:
                with transaction.atomic():
                    match.save()
            except IntegrityError:  # the matcher or another person created the pair a moment ago
                raise ValidationError(
                    _("This pair was proposed a moment ago; reload the page and try again."), code="conflict"
                ) from None
        DealEvent.objects.create(match=match, actor=user, action=DealEvent.Action.REQUESTED, note=message)
        audit_log_record(
            actor=user, action="match.interest", target=match, summary=f"interest: {need.title} ↔ {achievement.title}"
        )
        # the other side hears of it on its posting's page; brokers review it in their queue
        notify(
            recipients=_members(posting.organization_id),
            kind=NotificationKind.INTEREST_RECEIVED,
            data=_match_data(match) | {"organization": str(user.organization)},
            url=posting.get_absolute_url(),
        )
        notify(
            recipients=_brokers(),
            kind=NotificationKind.INTEREST_RECEIVED,
            data=_match_data(match) | {"organization": str(user.organization)},
            url=_match_url(match),
        )
    return match


# --- deal stages ---------------------------------------------------------------------------------------


def _need_date(match: Match) -> datetime.date:
    """The day the need was published (or created, if it never was), in local time."""
    need = match.need
    return timezone.localdate(need.published_at or need.created_at)


def deal_stage_targets(*, match: Match) -> list[str]:
    """Where the deal can go from here: any later stage up to the contract, implemented only after signing,
    and dropped from any stage that is not final."""
    current = match.deal_stage
    if match.status != MatchStatus.APPROVED or current in permissions.FINAL_STAGES or current not in STAGE_ORDER:
        return []
    position = STAGE_ORDER.index(current)
    targets = [s for s in STAGE_ORDER[position + 1 :] if s != DealStage.IMPLEMENTED or current == DealStage.SIGNED]
    return [*targets, DealStage.DROPPED]


def deal_stage_move(
    *,
    match: Match,
    user: User,
    stage: str,
    note: str = "",
    amount_wan: Decimal | None = None,
    signed_on: datetime.date | None = None,
    reason: str = "",
) -> Match:
    if not permissions.can_move_deal(user, match):
        raise PermissionDenied(_("Only the two sides and brokers move a deal on."))
    if stage not in deal_stage_targets(match=match):
        raise ValidationError(
            {
                "stage": _("A deal that is %(current)s cannot move to %(stage)s.")
                % {"current": match.get_deal_stage_display(), "stage": DealStage(stage).label}
            }
        )
    changes: dict = {"deal_stage": stage, "updated_at": timezone.now()}
    if stage == DealStage.SIGNED:
        errors = {}
        if amount_wan is None or amount_wan <= 0:
            errors["amount_wan"] = _("Give the contract amount (10k CNY).")
        if signed_on is None:
            errors["signed_on"] = _("Give the date the contract was signed.")
        elif signed_on > timezone.localdate():
            errors["signed_on"] = _("The signing date cannot be in the future.")
        elif signed_on < _need_date(match):
            errors["signed_on"] = _("The contract cannot be signed before the need was published (%(date)s).") % {
                "date": _need_date(match).isoformat()
            }
        if errors:
            raise ValidationError(errors)
        changes |= {"contract_amount_wan": amount_wan, "contract_signed_on": signed_on}
    if stage == DealStage.DROPPED:
        if not reason.strip():
            raise ValidationError({"reason": _("Say why the deal was dropped.")})
        changes["drop_reason"] = reason.strip()
    previous = match.deal_stage
    with transaction.atomic():
        updated = Match.objects.filter(pk=match.pk, status=MatchStatus.APPROVED, deal_stage=previous).update(**changes)
        if not updated:
            raise Conflict(
                _("Someone else moved this deal on in the meantime; reload the page and try again."), code="conflict"
            )
        for key, value in changes.items():
            setattr(match, key, value)
        deal_touch(match=match, when=changes["updated_at"])
        text = reason.strip() if stage == DealStage.DROPPED else note.strip()
        if stage == DealStage.SIGNED:
            text = (f"{amount_wan:g} 万元, {signed_on:%Y-%m-%d}. " + text).strip()
        DealEvent.objects.create(match=match, actor=user, action=DealEvent.Action.STAGE, stage=stage, note=text)
        audit_log_record(
            actor=user,
            action="match.deal_stage",
            target=match,
            summary=f"{previous} → {stage}: {match.need.title} ↔ {match.achievement.title}",
            note=text,
        )
        notify(
            recipients=[
                u for u in _members(match.need.organization_id, match.achievement.organization_id) if u.pk != user.pk
            ],
            kind=NotificationKind.DEAL_STAGE,
            data=_match_data(match) | {"stage": stage, "previous_stage": previous},
            url=_match_url(match),
        )
    return match


# --- challenges (揭榜挂帅) ---------------------------------------------------------------------------------


def challenge_is_open(need: TechnicalNeed) -> bool:
    return (
        need.is_challenge
        and need.status == PostingStatus.PUBLISHED
        and (need.deadline is None or need.deadline >= timezone.localdate())
        and not ChallengeEntry.objects.filter(need=need, status=ChallengeEntry.Status.CHOSEN).exists()
    )


def challenge_enter(*, user: User, need: TechnicalNeed, achievement: Achievement, proposal: str) -> ChallengeEntry:
    """A research team takes on a challenge (揭榜) with one of its published achievements."""
    if not permissions.can_enter_challenge(user, need):
        raise PermissionDenied(_("Only researchers of another organization can take on this challenge."))
    if not challenge_is_open(need):
        raise ValidationError(_("This challenge is no longer open."), code="closed")
    if achievement.organization_id != user.organization_id or achievement.status != PostingStatus.PUBLISHED:
        raise ValidationError({"achievement": _("Choose one of your organization's published achievements.")})
    entry = ChallengeEntry(
        need=need, achievement=achievement, organization_id=user.organization_id, submitted_by=user, proposal=proposal
    )
    entry.full_clean(validate_unique=False, validate_constraints=False)
    try:
        with transaction.atomic():
            entry.save()
            audit_log_record(actor=user, action="challenge.enter", target=need, summary=f"entry: {need.title}")
            notify(
                recipients=_members(need.organization_id),
                kind=NotificationKind.CHALLENGE_ENTRY,
                data={"need": need.title, "organization": str(user.organization)},
                url=reverse("deals:challenge", args=[need.pk]),
            )
    except IntegrityError:
        raise ValidationError(_("Your organization has already taken on this challenge."), code="duplicate") from None
    return entry


def challenge_choose(*, user: User, entry: ChallengeEntry, note: str = "") -> Match:
    """The enterprise chooses the winning entry: its pair becomes an approved match (source "challenge")."""
    need = entry.need
    if not permissions.can_choose_entry(user, need):
        raise PermissionDenied(_("Only the enterprise that posted the challenge chooses its winner."))
    now = timezone.now()
    with transaction.atomic():
        # one chooser at a time per challenge
        TechnicalNeed.objects.select_for_update().filter(pk=need.pk).first()
        if ChallengeEntry.objects.filter(need=need, status=ChallengeEntry.Status.CHOSEN).exists():
            raise Conflict(_("A winner has already been chosen for this challenge."), code="conflict")
        if not ChallengeEntry.objects.filter(pk=entry.pk, status=ChallengeEntry.Status.SUBMITTED).exists():
            raise Conflict(_("This entry can no longer be chosen."), code="conflict")
        match = Match.objects.select_for_update().filter(need=need, achievement=entry.achievement).first()
        if match is None:
            match = matching_services.match_fill_score(match=Match(need=need, achievement=entry.achievement))
        if match.status != MatchStatus.APPROVED:
            match.source = MatchSource.CHALLENGE
            match.status = MatchStatus.APPROVED
            match.requested_by = entry.submitted_by
            match.message = entry.proposal
            match.reviewed_by = user
            match.reviewed_at = now
            match.review_note = note.strip()
            match.deal_stage = DealStage.INTRODUCED
            match.save()
        ChallengeEntry.objects.filter(pk=entry.pk).update(
            status=ChallengeEntry.Status.CHOSEN, match=match, decided_at=now, updated_at=now
        )
        ChallengeEntry.objects.filter(need=need, status=ChallengeEntry.Status.SUBMITTED).exclude(pk=entry.pk).update(
            status=ChallengeEntry.Status.NOT_CHOSEN, decided_at=now, updated_at=now
        )
        entry.status, entry.match, entry.decided_at = ChallengeEntry.Status.CHOSEN, match, now
        # the enterprise chose, no broker reviewed: the pair waits on the deal board for a broker to claim it
        _deal_open(match=match, broker=None, now=now)
        DealEvent.objects.create(
            match=match, actor=user, action=DealEvent.Action.CHOSEN, stage=match.deal_stage, note=note.strip()
        )
        audit_log_record(
            actor=user,
            action="challenge.choose",
            target=match,
            summary=f"challenge winner: {need.title} ↔ {entry.achievement.title}",
            note=note,
        )
        notify(
            recipients=_members(entry.organization_id),
            kind=NotificationKind.CHALLENGE_CHOSEN,
            data={"need": need.title},
            url=_match_url(match),
        )
        # the other entrants learn who won (the winner is also named on the public challenge page)
        others = ChallengeEntry.objects.filter(need=need).exclude(organization_id=entry.organization_id)
        notify(
            recipients=_members(*others.values_list("organization_id", flat=True)),
            kind=NotificationKind.CHALLENGE_WINNER,
            data={"need": need.title, "organization": str(entry.organization)},
            url=reverse("deals:challenge", args=[need.pk]),
        )
    return match


# --- the broker's pipeline -------------------------------------------------------------------------------


def _deal_open(*, match: Match, broker: User | None, now: datetime.datetime) -> Deal:
    """The follow-up row of a newly approved pair (kept if it already exists). A technology broker who
    approved it holds it; a pair approved by a platform admin or chosen by an enterprise waits on the
    board for a broker to claim it."""
    deal, created = Deal.objects.get_or_create(
        match=match,
        defaults={"broker": broker if broker and broker.has_role(Role.BROKER) else None, "last_activity_at": now},
    )
    if not created:
        Deal.objects.filter(pk=deal.pk).update(last_activity_at=now, updated_at=now)
    match._state.fields_cache.pop("deal", None)
    return deal


def deal_for(*, match: Match) -> Deal:
    """The deal row of an approved match, created on the fly for pairs approved before the pipeline."""
    deal = getattr(match, "deal", None) if match.status == MatchStatus.APPROVED else None
    if deal is None:
        deal, _created = Deal.objects.get_or_create(
            match=match, defaults={"broker": None, "last_activity_at": match.reviewed_at or match.updated_at}
        )
    return deal


def deal_touch(*, match: Match, when: datetime.datetime | None = None) -> None:
    """Something happened on the deal (stage change, message): it is no longer stalled."""
    when = when or timezone.now()
    if not Deal.objects.filter(match=match).update(last_activity_at=when, updated_at=when):
        Deal.objects.get_or_create(match=match, defaults={"last_activity_at": when})


def deal_claim(*, match: Match, user: User) -> Deal:
    """A broker takes responsibility for an approved pair nobody holds yet (from the board or the match
    page). Raises ``PermissionDenied`` for non-brokers, ``ValidationError`` for a pair that is not approved,
    ``Conflict`` when another broker holds it (an admin reassigns with ``deal_assign``)."""
    if not permissions.can_review(user):
        raise PermissionDenied(_("Only technology brokers can take on a deal."))
    if match.status != MatchStatus.APPROVED:
        raise ValidationError(_("Only an approved pair has a deal to follow."), code="not_approved")
    deal = deal_for(match=match)
    now = timezone.now()
    if deal.broker_id == user.pk:
        return deal
    with transaction.atomic():
        if not Deal.objects.filter(pk=deal.pk, broker__isnull=True).update(broker=user, updated_at=now):
            holder = Deal.objects.select_related("broker").get(pk=deal.pk).broker
            raise Conflict(
                _("%(who)s is already responsible for this deal; an admin can reassign it.") % {"who": holder},
                code="conflict",
            )
        deal.broker = user
        audit_log_record(actor=user, action="deal.claim", target=match, summary=f"claim: {match}")
        DealEvent.objects.create(match=match, actor=user, action=DealEvent.Action.BROKER, note=str(user))
    return deal


def deal_assign(*, match: Match, user: User, broker: User) -> Deal:
    """An admin makes ``broker`` responsible for an approved pair (whoever held it). The broker is notified.
    Raises ``PermissionDenied`` for non-admins, ``ValidationError`` when ``broker`` is not a broker."""
    if not user.is_authenticated or not user.is_platform_admin:
        raise PermissionDenied(_("Only platform admins assign deals to brokers."))
    if match.status != MatchStatus.APPROVED:
        raise ValidationError(_("Only an approved pair has a deal to follow."), code="not_approved")
    if not broker.is_active or not broker.is_broker:
        raise ValidationError({"broker": _("Choose a technology broker.")})
    deal = deal_for(match=match)
    if deal.broker_id == broker.pk:
        return deal
    now = timezone.now()
    with transaction.atomic():
        Deal.objects.filter(pk=deal.pk).update(broker=broker, updated_at=now)
        deal.broker = broker
        audit_log_record(
            actor=user, action="deal.assign", target=match, summary=f"assign to {broker.username}: {match}"
        )
        DealEvent.objects.create(match=match, actor=user, action=DealEvent.Action.BROKER, note=str(broker))
        if broker.pk != user.pk:
            notify(
                recipients=[broker],
                kind=NotificationKind.DEAL_ASSIGNED,
                data=_match_data(match),
                url=_match_url(match),
            )
    return deal


def deal_nda_accept(*, match: Match, user: User) -> Deal:
    """The enterprise of a confidential need records that the other side accepted its NDA; from then on
    the other side reads the need's full text. Raises ``PermissionDenied`` unless the user manages the
    need, ``ValidationError`` when the need is not confidential or the pair not approved."""
    if not posting_permissions.can_manage(user, match.need):
        raise PermissionDenied(_("Only the enterprise that posted the need records its NDA."))
    if match.status != MatchStatus.APPROVED or not getattr(match.need, "confidential", False):
        raise ValidationError(_("Only an introduced pair with a confidential need has an NDA step."), code="no_nda")
    deal = deal_for(match=match)
    if deal.nda_accepted_at:
        return deal
    now = timezone.now()
    with transaction.atomic():
        Deal.objects.filter(pk=deal.pk, nda_accepted_at__isnull=True).update(
            nda_accepted_at=now, nda_recorded_by=user, last_activity_at=now, updated_at=now
        )
        deal.nda_accepted_at, deal.nda_recorded_by = now, user
        audit_log_record(actor=user, action="deal.nda", target=match, summary=f"NDA accepted: {match}")
        DealEvent.objects.create(match=match, actor=user, action=DealEvent.Action.NDA)
        notify(
            recipients=_members(match.achievement.organization_id),
            kind=NotificationKind.NDA_ACCEPTED,
            data=_match_data(match),
            url=_match_url(match),
        )
    return deal


def _admins() -> list[User]:
    return list(
        User.objects.filter(is_active=True).filter(Q(groups__name=Role.ADMIN) | Q(is_superuser=True)).distinct()
    )


@dataclass
class WatchResult:
    reminded: int = 0
    review_escalated: int = 0
    contact_escalated: int = 0


def _escalate(*, match: Match, kind: str, since: datetime.datetime, days: int, admins: list[User]) -> bool:
    """One escalation row per (match, kind, since); True when this call wrote it (and notified)."""
    try:
        with transaction.atomic():
            Escalation.objects.create(match=match, kind=kind, since=since)
            notify(
                recipients=admins,
                kind=NotificationKind.REVIEW_OVERDUE
                if kind == Escalation.Kind.REVIEW
                else NotificationKind.CONTACT_OVERDUE,
                data=_match_data(match) | {"days": days},
                url=_match_url(match),
            )
    except IntegrityError:  # another sweep wrote it a moment ago
        return False
    return True


def deals_watch(*, now: datetime.datetime | None = None) -> WatchResult:
    """The hourly sweep (beat ``watch-deals`` and ``manage.py watch_deals``); safe to run any number of times.

    * stalled deals (not final, no stage change or message for ``DEAL_STALLED_DAYS``): the responsible
      broker (the admins when nobody holds it) is reminded once per stall — a conditional UPDATE of
      ``stalled_reminded_at`` claims the reminder;
    * proposals in the review queue older than ``REVIEW_PROMISE_DAYS`` and introduced pairs still at
      "introduced" ``CONTACT_PROMISE_DAYS`` after the introduction escalate to the admins, once per pair
      and breach (``Escalation`` unique on match, kind, since).
    """
    from django.conf import settings

    from . import selectors

    now = now or timezone.now()
    result = WatchResult()
    admins = _admins()
    stalled_days = settings.DEAL_STALLED_DAYS
    for deal in selectors.deal_stalled_list(now=now).filter(
        Q(stalled_reminded_at__isnull=True) | Q(stalled_reminded_at__lt=F("last_activity_at"))
    ):
        with transaction.atomic():
            claimed = (
                Deal.objects.filter(pk=deal.pk, last_activity_at=deal.last_activity_at)
                .filter(Q(stalled_reminded_at__isnull=True) | Q(stalled_reminded_at__lt=F("last_activity_at")))
                .update(stalled_reminded_at=now)
            )
            if not claimed:
                continue
            notify(
                recipients=[deal.broker] if deal.broker and deal.broker.is_active else admins,
                kind=NotificationKind.DEAL_STALLED,
                data=_match_data(deal.match) | {"days": stalled_days},
                url=_match_url(deal.match),
            )
        result.reminded += 1
    review_days = settings.REVIEW_PROMISE_DAYS
    for match in selectors.review_overdue_list(now=now):
        result.review_escalated += _escalate(
            match=match, kind=Escalation.Kind.REVIEW, since=match.created_at, days=review_days, admins=admins
        )
    contact_days = settings.CONTACT_PROMISE_DAYS
    for match in selectors.contact_overdue_list(now=now):
        result.contact_escalated += _escalate(
            match=match, kind=Escalation.Kind.CONTACT, since=match.reviewed_at, days=contact_days, admins=admins
        )
    return result
