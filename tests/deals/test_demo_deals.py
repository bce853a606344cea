import datetime

import pytest
from django.core.management import call_command
from django.utils import timezone

from matching.models import Match, MatchStatus
from mengkeju.core.models import AuditLog
from mengkeju.deals.models import ChallengeEntry, DealEvent
from tests.factories import AchievementFactory, NeedFactory

pytestmark = pytest.mark.django_db


def test_demo_deals_is_idempotent(need, uni_u, broker, owner, researcher, capsys):
    challenge = NeedFactory(
        organization=need.organization, is_challenge=True, deadline=timezone.localdate() + datetime.timedelta(days=9)
    )
    type(need).objects.filter(pk=need.pk).update(published_at=timezone.now() - datetime.timedelta(days=60))
    need.refresh_from_db()
    for i in range(6):
        Match.objects.create(need=need, achievement=AchievementFactory(organization=uni_u), score=0.9 - i / 10)
    call_command("demo_deals", "--approve", "4")
    statuses = sorted(Match.objects.values_list("status", flat=True))
    assert statuses.count(MatchStatus.APPROVED) == 4 and statuses.count(MatchStatus.REJECTED) == 1
    signed = Match.objects.filter(contract_signed_on__isnull=False)
    assert signed.count() == 2 and all(m.contract_amount_wan for m in signed)
    for match in Match.objects.filter(status=MatchStatus.APPROVED):
        times = list(DealEvent.objects.filter(match=match).order_by("id").values_list("created_at", flat=True))
        assert times == sorted(times) and need.published_at < match.reviewed_at < timezone.now()
        assert match.created_at < match.reviewed_at
        if match.contract_signed_on:
            assert need.published_at.date() < match.contract_signed_on <= timezone.localdate()
    assert ChallengeEntry.objects.get().need == challenge
    # every demo deal has its broker, a timeline-following clock, and the first one a conversation
    from mengkeju.deals.models import Deal
    from mengkeju.messaging.models import Message

    deals = Deal.objects.filter(match__status=MatchStatus.APPROVED)
    assert deals.count() == 4 and set(deals.values_list("broker", flat=True)) == {broker.pk}
    assert Message.objects.count() == 2
    events, logs = DealEvent.objects.count(), AuditLog.objects.count()
    call_command("demo_deals")
    assert (DealEvent.objects.count(), AuditLog.objects.count()) == (events, logs)
    assert "already there" in capsys.readouterr().out
