"""Contact details of the other side: only both sides of an approved match, brokers and admins — on every
page and export that shows a match."""

import pytest
from django.urls import reverse

from matching.models import Match, MatchSource, MatchStatus
from mengkeju.deals import services
from tests.deals.conftest import CONTACT_STRINGS

pytestmark = pytest.mark.django_db

EVERYONE = ["anonymous", "owner", "colleague", "outsider", "researcher", "researcher_outsider", "broker", "admin"]
SIDES = {"owner", "colleague", "researcher"}
STAFF = {"broker", "admin"}


def shown(content: bytes) -> list[str]:
    text = content.decode()
    return [s for s in CONTACT_STRINGS if s in text]


def pages_showing_the_match(match) -> list[str]:
    return [
        reverse("deals:match", args=[match.pk]),
        reverse("deals:mine"),
        reverse("deals:queue"),
        reverse("notifications:list"),
        match.need.get_absolute_url(),
        match.achievement.get_absolute_url(),
        reverse("dashboard:public"),
        reverse("dashboard:admin"),
        reverse("deals:export_matches"),
        reverse("deals:export_deals"),
    ]


def approve(match, broker):
    services.match_approve(match=match, user=broker)
    return Match.objects.get(pk=match.pk)


@pytest.mark.parametrize("who", EVERYONE)
def test_proposed_match_shows_contacts_to_staff_only(cast, client_for, proposal, who):
    client = client_for(cast[who])
    for url in pages_showing_the_match(proposal):
        response = client.get(url)
        if who in STAFF and url == reverse("deals:match", args=[proposal.pk]):
            assert response.status_code == 200
            assert shown(response.content) == CONTACT_STRINGS
        elif response.status_code == 200:
            assert shown(response.content) == [] or (who == "admin" and "export" in url), url


@pytest.mark.parametrize("who", EVERYONE)
def test_approved_match_shows_contacts_to_both_sides_and_staff(cast, client_for, proposal, broker, who):
    match = approve(proposal, broker)
    client = client_for(cast[who])
    page = client.get(reverse("deals:match", args=[match.pk]))
    if who in SIDES | STAFF:
        assert page.status_code == 200
        assert shown(page.content) == CONTACT_STRINGS
    else:
        assert page.status_code == 404
        assert shown(page.content) == []
    for url in pages_showing_the_match(match):
        if url == reverse("deals:match", args=[match.pk]) or (who == "admin" and "export" in url):
            continue
        response = client.get(url)
        assert shown(response.content) == [], (who, url)


def test_exports_carry_contacts_for_admins_and_are_closed_to_everyone_else(cast, client_for, proposal, broker):
    match = approve(proposal, broker)
    for url in (reverse("deals:export_matches"), reverse("deals:export_deals"), reverse("deals:export")):
        for who in EVERYONE:
            response = client_for(cast[who]).get(url)
            if who == "admin":
                assert response.status_code == 200
                if url.endswith(".csv"):
                    text = response.content.decode("utf-8-sig")
                    assert shown(text.encode()) == CONTACT_STRINGS
                    assert match.need.title in text
            elif who == "anonymous":
                assert response.status_code == 302 and "/accounts/login/" in response["Location"]
            else:
                assert response.status_code == 403, (who, url)


def test_export_rows_without_permission_have_no_contacts(proposal, researcher_outsider):
    from mengkeju.deals.exports import contact_values, match_row

    approved = Match.objects.get(pk=proposal.pk)
    approved.status = MatchStatus.APPROVED
    assert set(contact_values(approved, researcher_outsider).values()) == {""}
    assert not [s for s in CONTACT_STRINGS if s in str(match_row(approved, researcher_outsider))]


def test_requester_sees_the_request_but_not_the_contacts(cast, client_for, need, achievement, researcher):
    services.interest_express(user=researcher, posting=need, counterpart=achievement, message="我们能做")
    match = Match.objects.get(need=need, achievement=achievement)
    assert match.source == MatchSource.INTEREST
    response = client_for(researcher).get(reverse("deals:match", args=[match.pk]))
    assert response.status_code == 200
    assert "我们能做" in response.content.decode()
    assert shown(response.content) == []
    # the other side does not see the request before a broker approved it
    assert client_for(cast["owner"]).get(reverse("deals:match", args=[match.pk])).status_code == 404


def test_rejected_match_hides_contacts_from_the_sides(cast, client_for, proposal, broker):
    services.match_reject(match=proposal, user=broker, note="不合适")
    for who in ("owner", "researcher"):
        assert client_for(cast[who]).get(reverse("deals:match", args=[proposal.pk])).status_code == 404


def test_challenge_pages_never_show_contacts(cast, client_for, need, achievement, researcher, owner):
    import datetime

    from django.utils import timezone

    need.is_challenge = True
    need.deadline = timezone.localdate() + datetime.timedelta(days=30)
    need.save()
    entry = services.challenge_enter(user=researcher, need=need, achievement=achievement, proposal="揭榜方案")
    for who in EVERYONE:
        client = client_for(cast[who])
        for url in (reverse("deals:challenges"), reverse("deals:challenge", args=[need.pk])):
            assert shown(client.get(url).content) == [], (who, url)
    match = services.challenge_choose(user=owner, entry=entry)
    for who in EVERYONE:
        client = client_for(cast[who])
        assert shown(client.get(reverse("deals:challenge", args=[need.pk])).content) == []
        page = client.get(reverse("deals:match", args=[match.pk]))
        assert (shown(page.content) == CONTACT_STRINGS) == (who in SIDES | STAFF), who
