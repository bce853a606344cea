"""The workbench (工作台): each role lands on it after login and sees what waits for them."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from matching.models import DealStage, Match, MatchSource, MatchStatus
from mengkeju.notifications.models import NotificationKind
from mengkeju.notifications.services import notify
from mengkeju.postings.models import PostingStatus
from tests.factories import PASSWORD, AchievementFactory, NeedFactory, UserFactory
from tests.ui.crawl import visible_text

pytestmark = pytest.mark.django_db
URL = reverse("workbench")


def page(client, url=URL):
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_login_lands_on_the_workbench(owner):
    response = Client().post(reverse("accounts:login"), {"username": "owner", "password": PASSWORD})
    assert response.status_code == 302 and response.url == URL


def test_anonymous_is_sent_to_log_in(anonymous, client_for):
    response = client_for(anonymous).get(URL)
    assert response.status_code == 302 and reverse("accounts:login") in response.url


def test_enterprise_sees_its_postings_by_state_with_views_and_interest(owner, org_a, outsider, client_for, uni_u):
    published = NeedFactory(organization=org_a, created_by=owner, title="稀土永磁需求", view_count=17)
    NeedFactory(organization=org_a, created_by=owner, title="草稿需求", status=PostingStatus.DRAFT)
    NeedFactory(organization=outsider.organization, title="别人的需求")
    for _ in range(2):
        Match.objects.create(
            need=published, achievement=AchievementFactory(organization=uni_u), source=MatchSource.INTEREST
        )
    html = page(client_for(owner))
    assert "稀土永磁需求" in html and "草稿需求" in html and "别人的需求" not in html
    assert "17 次浏览" in html and "2 个合作意向" in html
    assert "已发布" in html and "草稿" in html
    assert "published" not in visible_text(html) and "draft" not in visible_text(html)


def test_a_detail_view_by_someone_else_counts(owner, org_a, outsider, client_for):
    need = NeedFactory(organization=org_a, created_by=owner)
    client_for(outsider).get(need.get_absolute_url())
    client_for(None).get(need.get_absolute_url())
    client_for(owner).get(need.get_absolute_url())  # the owner's own look does not count
    need.refresh_from_db()
    assert need.view_count == 2


def test_introductions_and_deals_are_listed(owner, researcher, client_for, proposal, broker):
    from mengkeju.deals import services as deal_services

    deal_services.match_approve(match=proposal, user=broker)
    html = page(client_for(researcher))
    assert "联系对方" in html and proposal.need.title in html
    deal_services.deal_stage_move(match=proposal, user=broker, stage=DealStage.NEGOTIATING)
    html = page(client_for(owner))
    assert "进行中的对接" in html and "洽谈中" in html and "negotiating" not in html
    html = page(client_for(broker))
    assert proposal.need.title in html  # the broker reviewed it: it is among their deals


def test_broker_sees_the_queue_and_admin_the_moderation_counts(broker, admin, org_a, client_for):
    NeedFactory(organization=org_a, status=PostingStatus.PENDING)
    html = page(client_for(broker))
    assert "审核队列中的配对建议" in html
    html = page(client_for(admin))
    assert "待审核的技术需求" in html and "待认证的机构" in html


def test_a_pending_member_is_told_who_they_wait_for(org_a, client_for):
    waiting = UserFactory(requested_organization=org_a)
    html = page(client_for(waiting))
    assert f"您加入 {org_a.name} 的申请正在等待平台管理员审核" in html
    response = client_for(waiting).get(reverse("needs:create"))
    assert response.status_code == 403
    assert f"您加入 {org_a.name} 的申请正在等待平台管理员审核" in response.content.decode()
    assert f"{org_a.name}" in page(client_for(waiting), reverse("needs:mine"))


def test_unread_notifications_are_reminders(owner, client_for):
    notify(recipients=[owner], kind=NotificationKind.ORGANIZATION_VERIFIED, data={"organization": "企业A"}, email=False)
    html = page(client_for(owner))
    assert "企业A 已通过平台认证" in html and "刚刚" in html


@pytest.mark.parametrize("who", ["owner", "researcher", "broker", "admin", "outsider"])
def test_query_count_does_not_grow_with_rows(who, cast, client_for, org_a, uni_u, broker):
    user = cast[who]

    def add_rows(n):
        for _ in range(n):
            need = NeedFactory(organization=org_a)
            achievement = AchievementFactory(organization=uni_u)
            Match.objects.create(
                need=need,
                achievement=achievement,
                status=MatchStatus.APPROVED,
                deal_stage=DealStage.INTRODUCED,
                reviewed_by=broker,
                source=MatchSource.INTEREST,
            )
            notify(recipients=[user], kind=NotificationKind.DEAL_STAGE, data={"stage": "contacted"}, email=False)

    client = client_for(user)
    add_rows(1)
    client.get(URL)
    with CaptureQueriesContext(connection) as few:
        page(client)
    add_rows(8)
    with CaptureQueriesContext(connection) as many:
        page(client)
    assert len(many) == len(few)


def test_a_broker_of_a_service_agency_sees_the_deals_they_hold(client_for, proposal, broker):
    """Brokers often work for a service agency (技术转移机构): that organization is no side of their deals."""
    from mengkeju.core.models import Organization
    from mengkeju.deals import services as deal_services

    broker.organization = Organization.objects.create(name="青城技术转移服务有限公司", kind=Organization.Kind.AGENCY)
    broker.save()
    deal_services.match_approve(match=proposal, user=broker)
    deal_services.deal_stage_move(match=proposal, user=broker, stage=DealStage.NEGOTIATING)
    html = page(client_for(broker))
    assert proposal.need.title in html and "洽谈中" in html
