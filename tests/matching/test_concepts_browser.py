"""The concept layer's page in chromium: an admin adds a relation on a phone (390 px) and sees it listed and
in the recent changes; a broker reads it; neither page is wider than the window at 390 or 1280 px."""

import pytest
from django.conf import settings
from django.db.models import Q
from django.test import Client

from matching.models import ConceptLink

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
WIDER_THAN_WINDOW = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"


def _context(chromium, live_server, user, viewport):
    client = Client()
    client.force_login(user)
    context = chromium.new_context(viewport=viewport, locale="zh-CN")
    context.set_default_timeout(20_000)
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            },
            {"name": settings.LANGUAGE_COOKIE_NAME, "value": "zh-hans", "url": live_server.url},
        ]
    )
    return context


def test_admin_adds_a_relation_on_a_phone_and_a_broker_reads_it(chromium, live_server, admin, broker):
    ConceptLink.objects.filter(Q(technology__contains="热泵") | Q(problem__contains="热泵")).delete()
    context = _context(chromium, live_server, admin, PHONE)
    page = context.new_page()
    page.goto(live_server.url + "/matching/concepts/")
    assert page.evaluate(WIDER_THAN_WINDOW) <= 1
    page.select_option("#id_cluster", "新能源")
    page.fill("#id_problem", "屋里|取暖 冷|煤")
    page.fill("#id_technology", "热泵、建筑保温")
    page.get_by_role("button", name="添加", exact=True).click()
    page.wait_for_url("**/matching/concepts/")
    assert "已添加关联" in page.content()
    page.fill("#concept-q", "热泵")
    page.get_by_role("button", name="搜索").first.click()
    rows = page.locator("table.data").first.locator("tbody tr")
    assert rows.count() == 1 and "热泵、建筑保温" in rows.first.inner_text()
    assert "新增" in page.locator("table.data").nth(1).inner_text()  # recent changes
    assert page.evaluate(WIDER_THAN_WINDOW) <= 1
    context.close()

    for viewport in (PHONE, DESKTOP):
        context = _context(chromium, live_server, broker, viewport)
        page = context.new_page()
        page.goto(live_server.url + "/matching/concepts/?q=热泵")
        assert "热泵、建筑保温" in page.content()
        assert page.locator("#id_technology").count() == 0  # read-only
        assert page.evaluate(WIDER_THAN_WINDOW) <= 1, viewport
        context.close()
