"""The number of database queries of a page does not grow with the rows it lists.

Each page is requested with a few rows, then with many more (made through the real services), and must
cost the same number of queries. (Library lists, the home page and the review queue have their own tests
in tests/postings/test_search.py and tests/deals/test_views.py.)
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from matching.models import Match, MatchRun
from mengkeju.deals import services as deals
from mengkeju.notifications.models import Notification, NotificationKind
from mengkeju.postings.models import PostingStatus
from tests.factories import AchievementFactory, NeedFactory


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured)


def _introductions(n, *, org, uni, broker):
    """n approved pairs between a need of ``org`` and an achievement of ``uni`` (through the review service)."""
    for _ in range(n):
        match = Match.objects.create(
            need=NeedFactory(organization=org), achievement=AchievementFactory(organization=uni), score=0.5
        )
        deals.match_approve(match=match, user=broker, note="")


def test_my_matches_for_each_side_and_the_broker(client_for, owner, researcher, broker, org_a, uni_u):
    url = reverse("deals:mine")
    users = (owner, researcher, broker)
    _introductions(2, org=org_a, uni=uni_u, broker=broker)
    few = [_queries(client_for(u), url) for u in users]
    _introductions(15, org=org_a, uni=uni_u, broker=broker)
    assert [_queries(client_for(u), url) for u in users] == few


def test_notification_centre(client_for, owner):
    url = reverse("notifications:list")

    def add(n):
        Notification.objects.bulk_create(
            Notification(recipient=owner, kind=NotificationKind.DEAL_STAGE, data={"need": "x"}) for _ in range(n)
        )

    add(2)
    few = _queries(client_for(owner), url)
    add(40)
    assert _queries(client_for(owner), url) == few


def test_challenge_board(client_for, anonymous, owner, org_a):
    url = reverse("deals:challenges")

    def add(n):
        NeedFactory.create_batch(n, organization=org_a, is_challenge=True, challenge_bounty_wan=50)

    add(2)
    few = _queries(client_for(anonymous), url)
    add(20)
    assert _queries(client_for(anonymous), url) == few


def test_moderation_page(client_for, admin, org_a, uni_u):
    url = reverse("moderation")

    def add(n):
        NeedFactory.create_batch(n, organization=org_a, status=PostingStatus.PENDING)
        AchievementFactory.create_batch(n, organization=uni_u, status=PostingStatus.PENDING)

    add(2)
    few = _queries(client_for(admin), url)
    add(20)
    assert _queries(client_for(admin), url) == few


def test_matching_runs_page(client_for, admin):
    url = reverse("matching:runs")

    def add(n):
        MatchRun.objects.bulk_create(MatchRun(kind="full", trigger="admin", status="done") for _ in range(n))

    add(2)
    few = _queries(client_for(admin), url)
    add(30)
    assert _queries(client_for(admin), url) == few


@pytest.mark.parametrize("name", ["dashboard:public", "dashboard:admin"])
def test_dashboards(name, client_for, admin, broker, org_a, uni_u):
    url = reverse(name)
    _introductions(2, org=org_a, uni=uni_u, broker=broker)
    few = _queries(client_for(admin), url)
    _introductions(15, org=org_a, uni=uni_u, broker=broker)
    NeedFactory.create_batch(10, organization=org_a)
    assert _queries(client_for(admin), url) == few
