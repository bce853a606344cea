"""Expiry of postings past their deadline: the service, the Celery task and the management command."""

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from mengkeju.core.models import AuditLog, IndustryCluster
from mengkeju.postings import services
from mengkeju.postings.models import PostingStatus
from mengkeju.postings.tasks import expire_due_postings, expire_postings
from needs.models import TechnicalNeed
from tests.factories import AchievementFactory, NeedFactory

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 6, 1)
DAY = datetime.timedelta(days=1)


def test_only_published_postings_past_their_deadline_expire(org_a, uni_u):
    due_need = NeedFactory(organization=org_a, deadline=TODAY - DAY)
    today_need = NeedFactory(organization=org_a, deadline=TODAY)
    open_need = NeedFactory(organization=org_a, deadline=None)
    draft = NeedFactory(organization=org_a, deadline=TODAY - 5 * DAY, status=PostingStatus.DRAFT)
    closed = NeedFactory(organization=org_a, deadline=TODAY - 5 * DAY, status=PostingStatus.CLOSED)
    due_achievement = AchievementFactory(organization=uni_u, deadline=TODAY - 30 * DAY)

    assert expire_due_postings(today=TODAY) == {"need": 1, "achievement": 1}

    statuses = dict(TechnicalNeed.objects.values_list("pk", "status"))
    assert statuses[due_need.pk] == PostingStatus.EXPIRED
    assert statuses[today_need.pk] == PostingStatus.PUBLISHED
    assert statuses[open_need.pk] == PostingStatus.PUBLISHED
    assert statuses[draft.pk] == PostingStatus.DRAFT
    assert statuses[closed.pk] == PostingStatus.CLOSED
    due_achievement.refresh_from_db()
    assert due_achievement.status == PostingStatus.EXPIRED
    assert due_achievement.closed_at is not None
    assert AuditLog.objects.filter(action="need.expire", target_id=due_need.pk, actor=None).count() == 1


def test_running_twice_expires_nothing_more(org_a):
    NeedFactory(organization=org_a, deadline=TODAY - DAY)
    assert expire_due_postings(today=TODAY) == {"need": 1, "achievement": 0}
    assert expire_due_postings(today=TODAY) == {"need": 0, "achievement": 0}
    assert AuditLog.objects.filter(action="need.expire").count() == 1


def test_a_published_posting_expires_through_the_real_workflow(owner, admin):
    """Published by the admin (approval refuses past deadlines), then time passes."""
    need = services.posting_create(
        model=TechnicalNeed,
        user=owner,
        data={"title": "冷鲜羊肉保鲜", "description": "货架期延长", "cluster": IndustryCluster.objects.first()},
    )
    services.posting_submit(posting=need, user=owner)
    services.posting_approve(posting=need, user=admin)
    TechnicalNeed.objects.filter(pk=need.pk).update(deadline=TODAY - DAY)

    assert expire_due_postings(today=TODAY) == {"need": 1, "achievement": 0}
    need.refresh_from_db()
    assert need.status == PostingStatus.EXPIRED


def test_task_is_registered_under_the_beat_name_and_acks_late(settings):
    assert expire_postings.name == "mengkeju.postings.tasks.expire_postings"
    assert expire_postings.acks_late is True
    assert settings.CELERY_BEAT_SCHEDULE["expire-postings"]["task"] == expire_postings.name


def test_task_expires_due_postings(org_a):
    need = NeedFactory(organization=org_a, deadline=timezone.localdate() - DAY)
    assert expire_postings.apply().get() == {"need": 1, "achievement": 0}
    assert expire_postings.apply().get() == {"need": 0, "achievement": 0}
    need.refresh_from_db()
    assert need.status == PostingStatus.EXPIRED


def test_command_prints_counts(uni_u):
    AchievementFactory(organization=uni_u, deadline=timezone.localdate() - DAY)
    out = StringIO()
    call_command("expire_postings", stdout=out)
    assert out.getvalue().strip() == "expired needs: 0, achievements: 1"
    out = StringIO()
    call_command("expire_postings", stdout=out)
    assert out.getvalue().strip() == "expired needs: 0, achievements: 0"
