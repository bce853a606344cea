"""Expiry of postings past their deadline: the service, the Celery task and the management command."""

import datetime
from io import StringIO

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.utils import timezone

from achievements.models import Achievement
from mengkeju.core.models import AuditLog, IndustryCluster, Organization, Role, User
from mengkeju.core.validators import credit_code_check_character
from mengkeju.postings import services
from mengkeju.postings.models import PostingStatus
from mengkeju.postings.tasks import expire_due_postings, expire_postings
from needs.models import TechnicalNeed

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 6, 1)


def _user(username: str, role: str, organization: Organization | None) -> User:
    user = User.objects.create_user(username=username, password="pw", organization=organization)
    user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def cast():
    first17 = "91150100MA0HT0001"
    enterprise = Organization.objects.create(
        kind=Organization.Kind.ENTERPRISE,
        name="呼和浩特某乳业公司",
        credit_code=first17 + credit_code_check_character(first17),
    )
    university = Organization.objects.create(kind=Organization.Kind.UNIVERSITY, name="内蒙古大学")
    return {
        "enterprise": _user("ent", Role.ENTERPRISE, enterprise),
        "researcher": _user("res", Role.RESEARCHER, university),
        "admin": _user("adm", Role.ADMIN, None),
    }


def _published(model, owner, admin, *, deadline, title="测试"):
    data = {"title": title, "description": "乳清蛋白分离膜技术", "cluster": IndustryCluster.objects.first()}
    posting = services.posting_create(model=model, user=owner, data=data)
    services.posting_submit(posting=posting, user=owner)
    services.posting_approve(posting=posting, user=admin)
    # approval refuses a deadline in the past, so move it afterwards, as time would
    model.objects.filter(pk=posting.pk).update(deadline=deadline)
    posting.refresh_from_db()
    return posting


def test_only_published_postings_past_their_deadline_expire(cast):
    ent, res, adm = cast["enterprise"], cast["researcher"], cast["admin"]
    due_need = _published(TechnicalNeed, ent, adm, deadline=TODAY - datetime.timedelta(days=1))
    today_need = _published(TechnicalNeed, ent, adm, deadline=TODAY)
    open_need = _published(TechnicalNeed, ent, adm, deadline=None)
    due_achievement = _published(Achievement, res, adm, deadline=TODAY - datetime.timedelta(days=30))
    draft = services.posting_create(
        model=TechnicalNeed,
        user=ent,
        data={"title": "草稿", "description": "x", "cluster": IndustryCluster.objects.first()},
    )
    TechnicalNeed.objects.filter(pk=draft.pk).update(deadline=TODAY - datetime.timedelta(days=5))

    assert expire_due_postings(today=TODAY) == {"need": 1, "achievement": 1}

    statuses = dict(TechnicalNeed.objects.values_list("pk", "status"))
    assert statuses[due_need.pk] == PostingStatus.EXPIRED
    assert statuses[today_need.pk] == PostingStatus.PUBLISHED
    assert statuses[open_need.pk] == PostingStatus.PUBLISHED
    assert statuses[draft.pk] == PostingStatus.DRAFT
    due_achievement.refresh_from_db()
    assert due_achievement.status == PostingStatus.EXPIRED
    assert due_achievement.closed_at is not None
    assert AuditLog.objects.filter(action="need.expire", target_id=due_need.pk, actor=None).count() == 1


def test_running_twice_expires_nothing_more(cast):
    _published(TechnicalNeed, cast["enterprise"], cast["admin"], deadline=TODAY - datetime.timedelta(days=1))
    assert expire_due_postings(today=TODAY) == {"need": 1, "achievement": 0}
    assert expire_due_postings(today=TODAY) == {"need": 0, "achievement": 0}
    assert AuditLog.objects.filter(action="need.expire").count() == 1


def test_task_is_registered_under_the_beat_name_and_acks_late(settings):
    assert expire_postings.name == "mengkeju.postings.tasks.expire_postings"
    assert expire_postings.acks_late is True
    assert settings.CELERY_BEAT_SCHEDULE["expire-postings"]["task"] == expire_postings.name


def test_task_expires_due_postings(cast):
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    need = _published(TechnicalNeed, cast["enterprise"], cast["admin"], deadline=yesterday)
    assert expire_postings.apply().get() == {"need": 1, "achievement": 0}
    assert expire_postings.apply().get() == {"need": 0, "achievement": 0}
    need.refresh_from_db()
    assert need.status == PostingStatus.EXPIRED


def test_command_prints_counts(cast):
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    _published(Achievement, cast["researcher"], cast["admin"], deadline=yesterday)
    out = StringIO()
    call_command("expire_postings", stdout=out)
    assert out.getvalue().strip() == "expired needs: 0, achievements: 1"
    out = StringIO()
    call_command("expire_postings", stdout=out)
    assert out.getvalue().strip() == "expired needs: 0, achievements: 0"
