"""The whole chain, each role in its own browser session, on the real services (PostgreSQL, Redis and a
separate Celery worker process), in Chinese and in English, at 1280 px with a phone check at 390 px:

1. an enterprise member signs up registering a new organization; a researcher signs up asking to join a
   university already on the platform and is told on the workbench that an admin has to admit them;
2. the admin verifies the organization and admits the researcher;
3. the enterprise posts a need, the researcher an achievement, each submits it for review;
4. the admin approves both; the Celery worker matches them (nothing is eager here: the proposal appears
   only when the worker has done the publication's matching);
5. a broker reviews the proposal and introduces the two sides;
6. both sides see each other's contact details on the match page;
7. the deal moves contacted → negotiating → contract signed (amount and date), and the broker's deal
   board shows it signed.

What each user sees is asserted (texts in the page's language, badges, stage names), not only URLs.
Screenshots of every step go to ``var/screenshots/whole-chain-<language>-<step>.png`` (ignored by git,
kept by CI as artefacts)."""

import pathlib
import time

import pytest
from django.conf import settings
from django.utils import timezone

from achievements.models import Achievement
from matching.models import DealStage, Match, MatchStatus
from mengkeju.core.models import Organization, User
from mengkeju.postings.models import PostingStatus
from needs.models import TechnicalNeed
from tests.factories import PASSWORD, UniversityFactory, UserFactory, credit_code

pytestmark = [pytest.mark.services, pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = pathlib.Path(settings.BASE_DIR) / "var" / "screenshots"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
NEW_PASSWORD = "Baotou-Jinggui-2026!"

# what each user reads, in each language (the catalogue's words, so a lost translation fails here)
WORDS = {
    "zh-hans": {
        "waiting": "正在等待平台管理员审核",
        "verified": "已通过认证",
        "pending": "待审核",
        "published": "已发布",
        "introduce": "通过并引荐",
        "contact": "联系人",
        "stage_saved": "对接进展已保存",
        "signed": "已签约",
        "negotiating": "洽谈中",
    },
    "en": {
        "waiting": "is waiting for a platform admin",
        "verified": "is verified",
        "pending": "Pending review",
        "published": "Published",
        "introduce": "Approve and introduce",
        "contact": "Contact person",
        "stage_saved": "Deal stage saved",
        "signed": "Contract signed",
        "negotiating": "Negotiating",
    },
}

NEED = {
    "title": "流化床颗粒硅还原炉节能降耗",
    "description": "我公司用流化床法生产颗粒硅，希望与高校合作降低还原炉电耗和氢气损耗，提高颗粒硅产品纯度。",
    "keywords": "颗粒硅、流化床、还原炉",
}
ACHIEVEMENT = {
    "title": "流化床颗粒硅还原炉节能技术",
    "description": "流化床法颗粒硅还原炉的节能工艺：降低还原炉电耗三成，回收氢气，颗粒硅纯度达到电子级。",
    "keywords": "颗粒硅、流化床、还原炉、节能",
}


class Browser:
    """One user's browser session (its own cookies) in the page's language, taking screenshots."""

    def __init__(self, chromium, url: str, language: str, name: str):
        self.context = chromium.new_context(locale="zh-CN", viewport=DESKTOP)
        self.context.set_default_timeout(20_000)
        self.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": url}])
        self.page = self.context.new_page()
        self.url, self.language, self.name = url, language, name

    def go(self, path: str):
        self.page.goto(self.url + path)
        self.page.wait_for_load_state()
        assert self.page.locator("html").get_attribute("lang") == self.language
        return self.page

    def shot(self, step: str, *, phone: bool = False):
        SHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SHOTS / f"whole-chain-{self.language}-{step}.png"), full_page=True)
        if phone:  # the same page on a phone: nothing wider than the screen
            self.page.set_viewport_size(PHONE)
            self.page.screenshot(path=str(SHOTS / f"whole-chain-{self.language}-{step}-390.png"), full_page=True)
            wide = self.page.evaluate("document.documentElement.scrollWidth")
            self.page.set_viewport_size(DESKTOP)
            assert wide <= PHONE["width"] + 1, f"{step} is {wide} px wide on a 390 px phone"

    def login(self, username: str, password: str = PASSWORD):
        page = self.go("/accounts/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", password)
        page.locator("main form button[type=submit]").first.click()
        page.wait_for_load_state()
        assert page.locator("header form[action='/accounts/logout/']").count() == 1, f"{username} not logged in"

    def submit(self):
        """Save the main form (the need form also has a diagnosis button that saves nothing)."""
        self.page.locator("main form.card button[type=submit]:not([name=preview])").click()
        self.page.wait_for_load_state()

    def success(self) -> str:
        return self.page.locator(".msg.success").first.inner_text()

    def close(self):
        self.context.close()


def sign_up(user: Browser, *, username: str, name: str, role: str, register: dict | None, join: Organization | None):
    page = user.go("/accounts/signup/")
    page.check(f"input[name=role][value={role}]")
    page.fill("#id_username", username)
    page.fill("#id_display_name", name)
    page.fill("#id_email", f"{username}@example.com")
    page.fill("#id_phone", "0472-5550000")
    if register:
        page.check("input[name=organization_choice][value=register]")
        page.fill("#id_org_name", register["name"])
        page.select_option("#id_org_kind", register["kind"])
        page.fill("#id_org_region", register["region"])
        page.fill("#id_org_credit_code", register["credit_code"])
    else:
        page.check("input[name=organization_choice][value=join]")
        page.fill(".picker-search", join.name[:4])  # the searchable picker
        page.select_option("#id_organization", value=str(join.pk))
    page.fill("#id_password1", NEW_PASSWORD)
    page.fill("#id_password2", NEW_PASSWORD)
    page.check("#id_accept_terms")
    user.submit()
    assert page.url == f"{user.url}/workbench/", page.locator(".errorlist").all_inner_texts()


def post_and_submit(user: Browser, ns: str, posting: dict, extra: dict) -> None:
    page = user.go(f"/{ns}/new/")
    page.fill("#id_title", posting["title"])
    page.select_option("#id_cluster", value=str(_new_energy_pk()))
    page.fill("#id_keywords", posting["keywords"])
    page.fill("#id_description", posting["description"])
    page.locator("input[name=cooperation_modes]").first.check()
    for selector, value in extra.items():
        page.fill(selector, value)
    user.submit()
    assert page.locator("h1").count() == 1 and posting["title"] in page.locator("h1").inner_text(), page.locator(
        ".errorlist"
    ).all_inner_texts()
    page.locator("form[action$='/submit/'] button").click()
    page.wait_for_load_state()
    assert page.locator("h1 .badge.pending").inner_text().strip() == WORDS[user.language]["pending"]


def _new_energy_pk() -> int:
    from mengkeju.core.models import IndustryCluster

    return IndustryCluster.objects.get(code="new-energy").pk


def wait_for(condition, *, timeout: float = 90, what: str = ""):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.5)
    pytest.fail(f"waited {timeout} s for {what}")


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_sign_up_to_signed_contract_through_every_role(language, chromium, live_server, celery_worker_process):
    words = WORDS[language]
    url = live_server.url
    admin = UserFactory(username="platform-admin", display_name="平台管理员", role="admin")
    broker = UserFactory(username="chain-broker", display_name="技术经纪人·高", role="broker", organization=None)
    university = UniversityFactory(name="内蒙古科技大学")
    browsers = []

    def open_browser(name):
        browsers.append(Browser(chromium, url, language, name))
        return browsers[-1]

    try:
        # 1. sign-up: the enterprise registers its company, the researcher asks to join the university
        enterprise = open_browser("enterprise")
        sign_up(
            enterprise,
            username="jinggui",
            name="王经理",
            role="enterprise",
            register={
                "name": "包头市晶硅新能源有限公司",
                "kind": "enterprise",
                "region": "包头市九原区",
                "credit_code": credit_code(4343, region="150200"),
            },
            join=None,
        )
        enterprise.shot("01-enterprise-workbench")
        researcher = open_browser("researcher")
        sign_up(researcher, username="keda-zhang", name="张教授", role="researcher", register=None, join=university)
        assert words["waiting"] in researcher.page.locator("main").inner_text()
        researcher.shot("01-researcher-waiting", phone=True)
        company = Organization.objects.get(name="包头市晶硅新能源有限公司")
        assert not company.verified

        # 2. the admin verifies the company and admits the researcher
        moderator = open_browser("admin")
        moderator.login(admin.username)
        page = moderator.go("/moderation/")
        moderator.shot("02-moderation", phone=True)
        page.locator("tr", has_text=company.name).locator("form[action$='/verify/'] button").click()
        page.wait_for_load_state()
        assert words["verified"] in moderator.success()
        page.locator("tr", has_text="keda-zhang").locator("form[action$='/approve/'] button").click()
        page.wait_for_load_state()
        assert page.locator("tr", has_text="keda-zhang").count() == 0
        company.refresh_from_db()
        assert company.verified and User.objects.get(username="keda-zhang").organization == university

        # 3. each side posts and submits for review (the researcher now may: no more waiting notice)
        enterprise.login("jinggui", NEW_PASSWORD)
        post_and_submit(enterprise, "needs", NEED, {"#id_budget_min_wan": "80", "#id_budget_max_wan": "200"})
        enterprise.shot("03-need-submitted")
        researcher.login("keda-zhang", NEW_PASSWORD)
        assert words["waiting"] not in researcher.go("/workbench/").locator("main").inner_text()
        post_and_submit(researcher, "achievements", ACHIEVEMENT, {"#id_price_wan": "150"})
        researcher.shot("03-achievement-submitted")

        # 4. the admin approves both; the worker matches them
        page = moderator.go("/moderation/")
        for title in (NEED["title"], ACHIEVEMENT["title"]):
            page.locator("tr", has_text=title).locator("form[action$='/approve/'] button").click()
            page.wait_for_load_state()
        need = TechnicalNeed.objects.get(title=NEED["title"])
        achievement = Achievement.objects.get(title=ACHIEVEMENT["title"])
        assert (need.status, achievement.status) == (PostingStatus.PUBLISHED, PostingStatus.PUBLISHED)
        match = wait_for(
            lambda: Match.objects.filter(need=need, achievement=achievement).first(),
            what="the Celery worker to propose the pair",
        )
        assert match.status == MatchStatus.PROPOSED
        page = enterprise.go(need.get_absolute_url())
        assert page.locator("h1 .badge").inner_text().strip() == words["published"]

        # 5. the broker reviews the proposal in the queue and introduces the two sides
        reviewer = open_browser("broker")
        reviewer.login(broker.username)
        page = reviewer.go("/deals/review/")
        row = page.locator(f"tr[data-match='{match.pk}']")
        assert NEED["title"] in row.inner_text() and ACHIEVEMENT["title"] in row.inner_text()
        reviewer.shot("05-review-queue", phone=True)
        row.locator("a").first.click()
        page.wait_for_load_state()
        approve = page.locator("#approve-button")
        assert approve.inner_text().strip() == words["introduce"]
        page.fill("#id_note", "同一工艺路线，建议尽快对接")
        reviewer.shot("05-review")
        approve.click()
        page.wait_for_load_state()
        wait_for(lambda: Match.objects.get(pk=match.pk).status == MatchStatus.APPROVED, what="the approval")

        # 6. both sides see each other's contacts
        for side, other_name, other_org in (
            (enterprise, "张教授", university.name),
            (researcher, "王经理", company.name),
        ):
            page = side.go(f"/deals/matches/{match.pk}/")
            contacts = page.locator("dl.contacts")
            assert contacts.count() == 2, f"{side.name} sees {contacts.count()} contact blocks"
            text = page.locator("main").inner_text()
            assert words["contact"] in text and other_name in text and other_org in text
            assert f"{'keda-zhang' if side is enterprise else 'jinggui'}@example.com" in text
            side.shot(f"06-{side.name}-contacts", phone=True)

        # 7. stages: the researcher records the contact, the enterprise negotiation and the signed contract
        page = researcher.go(f"/deals/matches/{match.pk}/")
        page.select_option("#id_stage", DealStage.CONTACTED)
        page.click(".stage-form button[type=submit]")
        page.wait_for_load_state()
        assert words["stage_saved"] in researcher.success()
        page = enterprise.go(f"/deals/matches/{match.pk}/")
        page.select_option("#id_stage", DealStage.NEGOTIATING)
        page.click(".stage-form button[type=submit]")
        page.wait_for_load_state()
        assert words["negotiating"] in page.locator("main").inner_text()
        page.select_option("#id_stage", DealStage.SIGNED)
        page.fill("#id_amount_wan", "120")
        page.fill("#id_signed_on", timezone.localdate().isoformat())
        enterprise.shot("07-sign")
        page.click(".stage-form button[type=submit]")
        page.wait_for_load_state()
        assert words["stage_saved"] in enterprise.success()
        assert words["signed"] in page.locator("main").inner_text()
        enterprise.shot("07-signed", phone=True)
        match.refresh_from_db()
        assert (match.deal_stage, match.contract_amount_wan) == (DealStage.SIGNED, 120)

        page = reviewer.go("/deals/board/")
        signed = page.locator(f".stage-col-signed .deal-card[data-match='{match.pk}']")
        signed.wait_for()
        assert NEED["title"] in signed.inner_text()
        reviewer.shot("07-board-signed", phone=True)
    finally:
        for browser in browsers:
            browser.close()
