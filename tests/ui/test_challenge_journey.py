"""揭榜挂帅 from end to end in a real browser, then each role's workbench, at 1280 and 390 px.

An enterprise member posts a challenge from the challenge board (发布揭榜挂帅), an admin approves it, a
researcher takes it on (揭榜), the enterprise chooses the winner, and a visitor reads 已揭榜 and the
winner on the public challenge page (成交公示) and in the archive of past challenges.
"""

from __future__ import annotations

import datetime

import pytest
from django.conf import settings
from django.test import Client

from tests.factories import PASSWORD, AchievementFactory, OrganizationFactory, UniversityFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, url, username):
    page.goto(f"{url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    assert page.url == f"{url}/workbench/"


def log_out(page):
    page.locator("header form[action='/accounts/logout/'] button").click()
    page.wait_for_load_state()


def no_overflow(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth + 1")


@pytest.mark.parametrize("width", [1280, 390])
def test_a_challenge_is_posted_entered_and_awarded_in_public(page, live_server, width):
    from needs.models import TechnicalNeed

    page.set_viewport_size({"width": width, "height": 900})
    url = live_server.url
    enterprise = OrganizationFactory(name="包头稀土高新材料有限公司")
    university = UniversityFactory(name="内蒙古工业大学")
    UserFactory(username="boss", display_name="企业·赵总", organization=enterprise, role="enterprise")
    UserFactory(username="prof", display_name="工大·钱教授", organization=university, role="researcher")
    UserFactory(username="platform-admin", role="admin")
    achievement = AchievementFactory(organization=university, title="稀土永磁废料短流程再生技术")

    # 1. the enterprise posts a challenge from the board; the bounty field shows only for a challenge
    log_in(page, url, "boss")
    page.goto(f"{url}/deals/challenges/")
    page.locator("main a.button", has_text="发布揭榜挂帅").click()
    page.wait_for_load_state()
    assert page.locator("#id_is_challenge").is_checked()
    assert page.locator("#field-challenge_bounty_wan").is_visible()
    page.locator("#id_is_challenge").uncheck()
    assert not page.locator("#field-challenge_bounty_wan").is_visible()
    page.locator("#id_is_challenge").check()
    page.fill("#id_title", "稀土永磁废料高值化回收攻关")
    page.select_option("#id_cluster", index=1)
    page.fill("#id_keywords", "稀土、回收")
    page.fill("#id_description", "征集稀土永磁废料短流程再生技术，要求回收率不低于百分之九十五。")
    page.locator("input[name=cooperation_modes]").first.check()
    page.fill("#id_deadline", (datetime.date.today() + datetime.timedelta(days=30)).isoformat())
    page.fill("#id_challenge_bounty_wan", "300")
    page.locator("main form.card button[type=submit]:not([name=preview])").click()
    page.wait_for_load_state()
    page.locator("form[action$='/submit/'] button").click()
    page.wait_for_load_state()
    need = TechnicalNeed.objects.get(title="稀土永磁废料高值化回收攻关")
    assert need.is_challenge and need.challenge_bounty_wan == 300
    log_out(page)

    # 2. the admin approves it
    log_in(page, url, "platform-admin")
    page.goto(f"{url}/moderation/")
    page.locator("tr", has_text=need.title).locator("form[action$='/approve/'] button").click()
    page.wait_for_load_state()
    log_out(page)

    # 3. a researcher takes it on
    log_in(page, url, "prof")
    page.goto(f"{url}/deals/challenges/{need.pk}/")
    assert "300 万元" in page.locator("main").inner_text()
    page.select_option("#id_achievement", str(achievement.pk))
    page.fill("#id_proposal", "三个月完成中试，回收率百分之九十七。")
    page.locator("main form.form button[type=submit]").click()
    page.wait_for_load_state()
    assert "已提交" in page.locator("main").inner_text()
    assert "提交时间" not in page.locator("main .entry-list").inner_text()
    log_out(page)

    # 4. the enterprise chooses the winner; its workbench listed the entry first
    log_in(page, url, "boss")
    assert need.title in page.locator(".wb-waiting").inner_text()
    assert no_overflow(page)
    page.goto(f"{url}/deals/challenges/{need.pk}/")
    page.locator("form[action*='/choose/'] button").click()
    page.wait_for_load_state()
    log_out(page)

    # 5. a visitor reads the result
    page.goto(f"{url}/deals/challenges/{need.pk}/")
    main = page.locator("main").inner_text()
    assert "已揭榜" in main and "成交公示" in main and "内蒙古工业大学" in main and achievement.title in main
    assert no_overflow(page)
    page.goto(f"{url}/deals/challenges/")
    assert need.title not in page.locator("main").inner_text()  # no longer open
    page.locator("a", has_text="往期榜单").click()
    page.wait_for_load_state()
    assert need.title in page.locator("main").inner_text() and "内蒙古工业大学" in page.locator("main").inner_text()
    assert no_overflow(page)


@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_each_roles_workbench(chromium, live_server, cast, width, language):
    from mengkeju.core.models import Organization

    waiting = UserFactory(username="waiting", requested_organization=Organization.objects.first())
    expected = {
        "owner": ("本机构的技术需求", "My organization's needs"),
        "researcher": ("本机构的科技成果", "My organization's achievements"),
        "broker": ("审核队列中的配对建议", "Proposals in the review queue"),
        "admin": ("待审核的技术需求", "Needs waiting for review"),
    }
    people = {name: cast[name] for name in expected} | {"waiting": waiting}
    for name, user in people.items():
        client = Client()
        client.force_login(user)
        context = chromium.new_context(viewport={"width": width, "height": 900})
        context.add_cookies(
            [
                {
                    "name": settings.SESSION_COOKIE_NAME,
                    "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                    "url": live_server.url,
                },
                {"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url},
            ]
        )
        page = context.new_page()
        page.goto(f"{live_server.url}/workbench/")
        text = page.locator("main").inner_text()
        if name == "waiting":
            assert ("正在等待平台管理员审核" if language == "zh-hans" else "is waiting for a platform admin") in text
        else:
            assert expected[name][0 if language == "zh-hans" else 1] in text
        assert no_overflow(page), f"{name} workbench overflows at {width}px"
        context.close()
