"""Review decisions through the services: who may decide, what they write, and conflicts."""

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from matching.models import DealStage, Match, MatchStatus
from mengkeju.core.models import AuditLog
from mengkeju.deals import services
from mengkeju.deals.models import DealEvent
from mengkeju.notifications.models import EmailOutbox, Notification, NotificationKind, OutboxStatus

pytestmark = pytest.mark.django_db


def test_approve_introduces_both_sides(
    proposal, broker, owner, colleague, researcher, outsider, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.match_approve(match=proposal, user=broker, note="很好的配对")
    proposal.refresh_from_db()
    assert proposal.status == MatchStatus.APPROVED
    assert proposal.reviewed_by == broker and proposal.reviewed_at is not None
    assert proposal.deal_stage == DealStage.INTRODUCED
    entry = AuditLog.objects.get(action="match.approve")
    assert entry.actor == broker and entry.target == proposal and entry.note == "很好的配对"
    assert DealEvent.objects.filter(match=proposal, action=DealEvent.Action.APPROVED, actor=broker).exists()
    recipients = set(
        Notification.objects.filter(kind=NotificationKind.MATCH_APPROVED).values_list("recipient__username", flat=True)
    )
    assert recipients == {"owner", "colleague", "researcher"}
    rows = EmailOutbox.objects.all()
    assert {r.to for r in rows} == {owner.email, colleague.email, researcher.email}
    # eager Celery in ordinary tests: sent after the commit
    assert set(rows.values_list("status", flat=True)) == {OutboxStatus.SENT}
    assert sorted(m.to[0] for m in mail.outbox) == sorted([owner.email, colleague.email, researcher.email])
    assert all(proposal.need.title in m.body for m in mail.outbox)


def test_outbox_rows_are_written_in_the_approval_transaction(proposal, broker, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.match_approve(match=proposal, user=broker)
    assert EmailOutbox.objects.filter(status=OutboxStatus.PENDING).count() == 2
    assert len(callbacks) == 1  # the send is enqueued only after the commit
    assert mail.outbox == []


def test_reject_needs_a_note_and_is_logged(proposal, broker):
    with pytest.raises(ValidationError):
        services.match_reject(match=proposal, user=broker, note="  ")
    services.match_reject(match=proposal, user=broker, note="方向不符")
    proposal.refresh_from_db()
    assert proposal.status == MatchStatus.REJECTED and proposal.deal_stage == ""
    assert AuditLog.objects.filter(action="match.reject", note="方向不符").count() == 1
    assert not Notification.objects.exists()  # a matcher proposal has no requester to tell


@pytest.mark.parametrize("who", ["owner", "colleague", "outsider", "researcher", "researcher_outsider", "anonymous"])
def test_only_brokers_and_admins_decide(cast, proposal, who):
    with pytest.raises(PermissionDenied):
        services.match_approve(match=proposal, user=cast[who])
    with pytest.raises(PermissionDenied):
        services.match_reject(match=proposal, user=cast[who], note="x")
    assert Match.objects.get(pk=proposal.pk).status == MatchStatus.PROPOSED
    assert not AuditLog.objects.filter(action__startswith="match.").exists()


def test_admin_decides_too(proposal, admin):
    services.match_approve(match=proposal, user=admin)
    assert Match.objects.get(pk=proposal.pk).status == MatchStatus.APPROVED


def test_second_decision_loses_with_a_clear_message(proposal, broker, admin):
    stale = Match.objects.get(pk=proposal.pk)
    services.match_approve(match=proposal, user=broker)
    with pytest.raises(services.Conflict) as exc:
        services.match_reject(match=stale, user=admin, note="晚了")
    assert str(broker) in " ".join(exc.value.messages)
    stale.refresh_from_db()
    assert stale.status == MatchStatus.APPROVED and stale.reviewed_by == broker
    assert AuditLog.objects.filter(action__in=["match.approve", "match.reject"]).count() == 1


def test_withdrawn_proposal_cannot_be_approved(proposal, broker):
    Match.objects.filter(pk=proposal.pk).update(status=MatchStatus.WITHDRAWN)
    with pytest.raises(services.Conflict):
        services.match_approve(match=proposal, user=broker)


def test_bulk_decides_each_and_reports_conflicts(need, achievement, broker):
    from tests.factories import AchievementFactory

    others = [AchievementFactory(organization=achievement.organization) for _ in range(2)]
    matches = [Match.objects.create(need=need, achievement=a, score=0.5) for a in [achievement, *others]]
    Match.objects.filter(pk=matches[2].pk).update(status=MatchStatus.REJECTED, reviewed_by=broker)
    result = services.matches_decide(match_ids=[m.pk for m in matches], user=broker, approve=True, note="批量")
    assert result.decided == [matches[0].pk, matches[1].pk]
    assert len(result.conflicts) == 1
    assert AuditLog.objects.filter(action="match.approve").count() == 2


def test_bulk_reject_needs_a_note(proposal, broker):
    with pytest.raises(ValidationError):
        services.matches_decide(match_ids=[proposal.pk], user=broker, approve=False, note="")
