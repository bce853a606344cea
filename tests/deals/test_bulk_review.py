"""Keyboard and bulk review are safe: the help line lists the keys the script handles, and a bulk approval
is confirmed on a page of its own that says how many introductions will be sent and takes a note."""

import pathlib
import re

import pytest
from django.conf import settings
from django.urls import reverse

from matching.models import Match, MatchStatus
from mengkeju.notifications.models import EmailOutbox
from tests.factories import AchievementFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def three(need, uni_u):
    return [
        Match.objects.create(need=need, achievement=AchievementFactory(organization=uni_u), score=s)
        for s in (0.9, 0.8, 0.7)
    ]


def test_bulk_approval_asks_for_confirmation_first(client_for, broker, three):
    client = client_for(broker)
    ids = [m.pk for m in three[:2]]
    response = client.post(
        reverse("deals:bulk"), {"ids": ids, "decision": "approve", "note": "批量", "next": "/deals/review/"}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "将发送 2 个引荐" in page  # states how many introductions will be sent
    assert 'name="confirmed" value="1"' in page and "批量" in page
    assert set(Match.objects.values_list("status", flat=True)) == {MatchStatus.PROPOSED}
    assert not EmailOutbox.objects.exists()

    response = client.post(
        reverse("deals:bulk"),
        {"ids": ids, "decision": "approve", "confirmed": "1", "note": "集群一致，批量引荐", "next": "/deals/review/"},
    )
    assert response.status_code == 302 and response["Location"] == "/deals/review/"
    approved = Match.objects.filter(status=MatchStatus.APPROVED)
    assert set(approved.values_list("pk", flat=True)) == set(ids)
    assert set(approved.values_list("review_note", flat=True)) == {"集群一致，批量引荐"}
    assert Match.objects.get(pk=three[2].pk).status == MatchStatus.PROPOSED


def test_confirmation_leaves_out_pairs_decided_meanwhile(client_for, broker, three):
    from mengkeju.deals import services

    services.match_reject(match=three[0], user=broker, note="不合适")
    page = client_for(broker).post(reverse("deals:bulk"), {"ids": [m.pk for m in three], "decision": "approve"})
    text = page.content.decode()
    assert "将发送 2 个引荐" in text and "1 个所选配对已不在待审核状态" in text


def test_nothing_left_to_confirm(client_for, broker, three):
    from mengkeju.deals import services

    services.match_reject(match=three[0], user=broker, note="不合适")
    page = client_for(broker).post(reverse("deals:bulk"), {"ids": [three[0].pk], "decision": "approve"})
    assert page.status_code == 200 and 'id="bulk-confirm"' not in page.content.decode()


def test_an_outsider_gets_no_confirmation_page(client_for, outsider, three):
    response = client_for(outsider).post(reverse("deals:bulk"), {"ids": [three[0].pk], "decision": "approve"})
    assert response.status_code == 403


def _queue_keys() -> set[str]:
    script = (pathlib.Path(settings.BASE_DIR) / "static/js/review-queue.js").read_text()
    queue_part = script.split("function setupQueue")[1].split("function setupDecision")[0]
    return set(re.findall(r'case "([^"]+)"', queue_part))


def _decision_keys() -> set[str]:
    script = (pathlib.Path(settings.BASE_DIR) / "static/js/review-queue.js").read_text()
    part = script.split("function setupDecision")[1]
    return set(re.findall(r'case "([^"]+)"', part))


def test_the_queue_help_line_lists_the_keys_the_script_handles(client_for, broker, three):
    client = client_for(broker)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(reverse("deals:queue")).content.decode()
    help_line = re.search(r'class="muted keys-help">(.*?)</p>', page, re.S).group(1)
    keys = _queue_keys()
    assert keys == {"j", "k", "x", "o", "Enter", "A"}
    assert "j / k" in help_line and " x " in help_line and "o or Enter" in help_line and "Shift+A" in help_line
    assert " a approve" not in help_line and " r reject" not in help_line  # not queue keys


def test_the_match_page_help_line_lists_its_keys(client_for, broker, three):
    client = client_for(broker)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(reverse("deals:match", args=[three[0].pk])).content.decode()
    help_line = re.search(r'class="muted keys-help">(.*?)</p>', page, re.S).group(1)
    assert _decision_keys() == {"a", "r", "n", "q"}
    for word in ("a approve", "r reject", "n next", "q back"):
        assert word in help_line
