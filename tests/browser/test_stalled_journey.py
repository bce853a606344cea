"""A stalled pair, in a real browser at 1280 px and 390 px: after the watch runs, its broker has a reminder
in the notification centre and the board shows the pair highlighted under "stalled"."""

import datetime
import pathlib

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from mengkeju.deals import services
from mengkeju.deals.models import Deal
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = pathlib.Path(settings.BASE_DIR) / "var" / "screenshots"
VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.mark.parametrize("size", list(VIEWPORTS))
def test_a_stalled_pair_is_reminded_and_highlighted(size, page, live_server, proposal, broker, settings):
    settings.DEAL_STALLED_DAYS = 14
    services.match_approve(match=proposal, user=broker)
    Deal.objects.filter(match=proposal).update(last_activity_at=timezone.now() - datetime.timedelta(days=20))
    call_command("watch_deals")
    call_command("watch_deals")  # a second run reminds nobody again

    page.set_viewport_size(VIEWPORTS[size])
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", broker.username)
    page.fill("#id_password", PASSWORD)
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_load_state()
    page.click("header .notif-link")
    reminder = page.locator("main", has_text="14 天没有进展")
    reminder.wait_for()
    assert page.content().count("14 天没有进展") == 1
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"stalled-{size}-notification.png"), full_page=True)

    page.goto(f"{live_server.url}/deals/board/?stalled=on")
    card = page.locator(f".deal-card.stalled[data-match='{proposal.pk}']")
    card.wait_for()
    assert card.locator(".stalled-badge").count() == 1
    page.screenshot(path=str(SHOTS / f"stalled-{size}-board.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
