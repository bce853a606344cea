"""Keyboard review in a real browser: j/k move, x selects, Shift+A approves the selection after a
confirmation page; on the match page a approves and moves on to the next proposal."""

import pytest

from matching.models import Match, MatchStatus
from tests.factories import PASSWORD, AchievementFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def login(page, url, username):
    page.goto(f"{url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.locator("main form button[type=submit], main form input[type=submit]").first.click()
    page.wait_for_load_state()


def test_keyboard_review(live_server, page, broker, need, uni_u):
    matches = [
        Match.objects.create(need=need, achievement=AchievementFactory(organization=uni_u), score=s)
        for s in (0.9, 0.8, 0.7)
    ]
    login(page, live_server.url, "broker")
    page.goto(f"{live_server.url}/deals/review/")
    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("x")  # selects the second row (score 0.8)
    assert page.locator(f"input.select-row[value='{matches[1].pk}']").is_checked()
    assert not page.locator(f"input.select-row[value='{matches[0].pk}']").is_checked()
    page.keyboard.press("Shift+A")
    # nothing is sent before the confirmation page is confirmed
    page.wait_for_selector("#bulk-summary")
    assert Match.objects.get(pk=matches[1].pk).status == MatchStatus.PROPOSED
    page.click("#bulk-confirm")
    page.wait_for_url("**/deals/review/**")
    page.wait_for_selector(".msg.success")
    assert Match.objects.get(pk=matches[1].pk).status == MatchStatus.APPROVED
    assert Match.objects.get(pk=matches[0].pk).status == MatchStatus.PROPOSED

    # open the best one with o, approve it with a: the next proposal opens
    page.keyboard.press("j")
    page.keyboard.press("o")
    page.wait_for_url(f"**/deals/matches/{matches[0].pk}/")
    page.keyboard.press("a")
    page.wait_for_url(f"**/deals/matches/{matches[2].pk}/")
    assert Match.objects.get(pk=matches[0].pk).status == MatchStatus.APPROVED
    # r with an empty note focuses the note instead of rejecting
    page.keyboard.press("r")
    assert page.evaluate("document.activeElement.name") == "note"
    assert Match.objects.get(pk=matches[2].pk).status == MatchStatus.PROPOSED


def test_select_all(live_server, page, broker, need, uni_u):
    for s in (0.9, 0.8):
        Match.objects.create(need=need, achievement=AchievementFactory(organization=uni_u), score=s)
    login(page, live_server.url, "broker")
    page.goto(f"{live_server.url}/deals/review/")
    page.check("#select-all")
    assert page.locator("input.select-row:checked").count() == 2
    page.fill("#bulk-note", "重复提案")
    page.click("#bulk-reject")
    page.wait_for_selector(".msg.success")
    assert set(Match.objects.values_list("status", flat=True)) == {MatchStatus.REJECTED}
