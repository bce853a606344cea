"""The deal board when nothing shows: a sentence says why (filters, or no deal yet) instead of six
columns each reading "None"."""

import pytest
from django.urls import reverse

from mengkeju.deals import services

pytestmark = pytest.mark.django_db


def test_a_filter_that_finds_nothing_says_so_and_offers_all(client_for, broker, admin, proposal):
    services.match_approve(match=proposal, user=admin)
    client = client_for(broker)
    html = client.get(reverse("deals:board"), {"assigned": "me"}).content.decode()
    assert 'id="board-empty"' in html and "没有符合这些筛选条件的对接项目" in html
    assert ">无<" not in html
    client.cookies["django_language"] = "en"
    html = client.get(reverse("deals:board"), {"assigned": "me"}).content.decode()
    assert "No deal matches these filters." in html and ">None<" not in html
    html = client.get(reverse("deals:board")).content.decode()
    assert 'id="board-empty"' not in html and proposal.need.title in html


def test_an_empty_platform_says_where_deals_come_from(client_for, broker):
    html = client_for(broker).get(reverse("deals:board")).content.decode()
    assert "暂无对接项目：技术经纪人通过匹配后，项目会出现在这里。" in html


def test_my_matches_names_the_broker_column_on_phones(client_for, owner, admin, proposal):
    """On a phone the table turns into cards and each cell shows its data-label; the broker's name stood
    there alone."""
    services.match_approve(match=proposal, user=admin)
    html = client_for(owner).get(reverse("deals:mine")).content.decode()
    assert 'data-label="负责经纪人"' in html
