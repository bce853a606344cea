"""From an approved pair to a signed contract, in a real browser (Debian chromium driven by Playwright), at
1280 px and at 390 px (a phone): an admin approves the proposal through the bulk confirmation page, a
broker claims it on the deal board, the enterprise writes with a PDF attached, the researcher downloads it
and answers, the deal moves contacted → negotiating → signed, and the board shows it signed.

Screenshots of every step are written to ``var/screenshots/`` (ignored by git; kept as CI artefacts)."""

import datetime
import pathlib

import pytest
from django.conf import settings
from django.utils import timezone

from matching.models import DealStage, Match, MatchStatus
from mengkeju.deals.models import Deal
from mengkeju.messaging.models import Attachment
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
SHOTS = pathlib.Path(settings.BASE_DIR) / "var" / "screenshots"
VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


def login(page, url, username):
    page.goto(f"{url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.locator("main form button[type=submit], main form input[type=submit]").first.click()
    page.wait_for_load_state()


def logout(page):
    page.locator("header form[action='/accounts/logout/'] button").click()
    page.wait_for_load_state()


def no_horizontal_overflow(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


@pytest.fixture
def shot(request):
    SHOTS.mkdir(parents=True, exist_ok=True)
    size = request.node.callspec.params["size"]

    def take(page, name):
        page.screenshot(path=str(SHOTS / f"deal-journey-{size}-{name}.png"), full_page=True)
        if size == "phone":
            assert no_horizontal_overflow(page), f"{name} overflows at 390 px"

    return take


@pytest.mark.parametrize("size", list(VIEWPORTS))
def test_approve_claim_message_stages_signed(
    size, shot, page, live_server, proposal, owner, researcher, broker, admin, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    url = live_server.url
    page.set_viewport_size(VIEWPORTS[size])

    # 1. the admin approves from the queue: a confirmation page says how many introductions go out
    login(page, url, admin.username)
    page.goto(f"{url}/deals/review/")
    page.check(f"input.select-row[value='{proposal.pk}']")
    page.click("#bulk-approve")
    page.wait_for_selector("#bulk-summary")
    assert "1" in page.inner_text("#bulk-summary")
    assert Match.objects.get(pk=proposal.pk).status == MatchStatus.PROPOSED
    page.fill("#confirm-note", "产业集群一致，建议尽快对接")
    shot(page, "1-confirm")
    page.click("#bulk-confirm")
    page.wait_for_selector(".msg.success")
    assert Match.objects.get(pk=proposal.pk).status == MatchStatus.APPROVED
    logout(page)

    # 2. a broker claims it on the deal board (nobody holds a pair an admin approved)
    login(page, url, broker.username)
    page.goto(f"{url}/deals/board/?assigned=none")
    card = page.locator(f".deal-card[data-match='{proposal.pk}']")
    card.wait_for()
    shot(page, "2-board-unclaimed")
    card.locator("button").click()
    page.wait_for_selector(".msg.success")
    assert Deal.objects.get(match_id=proposal.pk).broker_id == broker.pk
    logout(page)

    # 3. the enterprise writes to the other side with a PDF attached
    login(page, url, owner.username)
    page.goto(f"{url}/deals/matches/{proposal.pk}/")
    page.click("#messages-link")
    page.fill("#id_body", "张教授您好，附上我们的技术要求，方便的话下周二通个电话。")
    page.set_input_files("#id_files", files=[{"name": "技术要求.pdf", "mimeType": "application/pdf", "buffer": PDF}])
    page.click("#send-button")
    page.wait_for_selector(".msg.success")
    assert page.locator(".attachment-link", has_text="技术要求.pdf").count() == 1
    shot(page, "3-thread-enterprise")
    logout(page)

    # 4. the researcher sees the unread count, downloads the file, answers and moves the deal on
    login(page, url, researcher.username)
    assert page.locator("header .messages-link .badge").inner_text().strip() == "1"
    page.click("header .messages-link")
    page.locator(".thread-list a").first.click()
    with page.expect_download() as download:
        page.click(".attachment-link")
    assert pathlib.Path(download.value.path()).read_bytes() == PDF
    page.fill("#id_body", "收到，周二下午三点可以。")
    page.click("#send-button")
    page.wait_for_selector(".msg.success")
    page.click("text=← 返回配对")
    page.select_option("#id_stage", DealStage.CONTACTED)
    page.click(".stage-form button[type=submit]")
    page.wait_for_selector(".msg.success")
    logout(page)

    # 5. the enterprise records negotiation, then the signed contract (amount and date)
    login(page, url, owner.username)
    page.goto(f"{url}/deals/matches/{proposal.pk}/")
    page.select_option("#id_stage", DealStage.NEGOTIATING)
    page.click(".stage-form button[type=submit]")
    page.wait_for_selector(".msg.success")
    page.select_option("#id_stage", DealStage.SIGNED)
    page.fill("#id_amount_wan", "120")
    page.fill("#id_signed_on", timezone.localdate().isoformat())
    shot(page, "5-sign")
    page.click(".stage-form button[type=submit]")
    page.wait_for_selector(".msg.success")
    match = Match.objects.get(pk=proposal.pk)
    assert match.deal_stage == DealStage.SIGNED and match.contract_amount_wan == 120
    shot(page, "5-signed")
    logout(page)

    # 6. the broker's board shows it signed; the broker's 我的匹配 lists it
    login(page, url, broker.username)
    page.goto(f"{url}/deals/board/?assigned=me")
    signed = page.locator(f".stage-col-signed .deal-card[data-match='{proposal.pk}']")
    signed.wait_for()
    assert page.locator(".stage-col-signed .deal-card .unread-badge").count() == 1  # two unread messages
    shot(page, "6-board-signed")
    page.goto(f"{url}/deals/matches/")
    assert page.locator("main", has_text=proposal.need.title).count() == 1
    shot(page, "6-my-matches")
    assert Attachment.objects.count() == 1
    assert Deal.objects.get(match_id=proposal.pk).last_activity_at > timezone.now() - datetime.timedelta(minutes=5)
