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


IN_VIEW = "(el) => { const r = el.getBoundingClientRect(); return r.top < window.innerHeight && r.bottom > 0; }"


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["390", "1280"])
def test_checking_a_need_shows_the_diagnosis_without_scrolling(chromium, live_server, owner, viewport):
    """An enterprise writes a need in symptom language and checks it: the page comes back at the diagnosis
    (not at the top of a long form), naming the problem the concept layer recognised."""
    context = _context(chromium, live_server, owner, viewport)
    page = context.new_page()
    page.goto(live_server.url + "/needs/new/")
    page.fill("#id_title", "县里公路一开春就开裂")
    page.fill("#id_description", "县里的公路一开春就开裂，坑槽多，补了又坏。")
    page.select_option("#id_cluster", label="新材料")
    page.get_by_role("button", name="检查匹配难易").click()
    page.wait_for_load_state()
    diagnosis = page.locator("#diagnosis")
    assert diagnosis.evaluate(IN_VIEW)
    assert "沥青改性" in diagnosis.inner_text()
    assert page.evaluate(WIDER_THAN_WINDOW) <= 1

    # a suggested keyword is a button: one click adds it to the keywords, a second takes it out again
    page.fill("#id_keywords", "公路、坑槽")
    suggestion = diagnosis.locator("button.tag-add", has_text="沥青改性")
    assert suggestion.inner_text() == "+ 沥青改性" and suggestion.get_attribute("aria-pressed") == "false"
    suggestion.click()
    assert page.input_value("#id_keywords") == "公路、坑槽、沥青改性"
    assert suggestion.get_attribute("aria-pressed") == "true" and suggestion.inner_text() == "✓ 沥青改性"
    suggestion.click()
    assert page.input_value("#id_keywords") == "公路、坑槽"
    assert suggestion.get_attribute("aria-pressed") == "false"
    suggestion.click()
    page.get_by_role("button", name="检查匹配难易").click()  # what the user added is sent with the form
    page.wait_for_load_state()
    assert page.input_value("#id_keywords") == "公路、坑槽、沥青改性"
    assert page.locator("#diagnosis button.tag-add", has_text="沥青改性").count() == 0  # no longer suggested
    context.close()


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["390", "1280"])
def test_a_suggested_keyword_keeps_latin_keywords_with_a_space_whole(chromium, live_server, owner, viewport):
    """The keywords field reads "OPC UA 公路" as two keywords, OPC UA and 公路 (a space between two Latin
    words stays inside a keyword, one beside a Chinese character separates), in the page as on the server."""
    context = _context(chromium, live_server, owner, viewport)
    page = context.new_page()
    page.goto(live_server.url + "/needs/new/")
    page.fill("#id_title", "县里公路一开春就开裂")
    page.fill("#id_description", "县里的公路一开春就开裂，坑槽多，补了又坏。")
    page.fill("#id_keywords", "OPC UA 公路")
    page.select_option("#id_cluster", label="新材料")
    page.get_by_role("button", name="检查匹配难易").click()
    page.wait_for_load_state()
    suggestion = page.locator("#diagnosis button.tag-add", has_text="沥青改性")
    suggestion.click()
    assert page.input_value("#id_keywords") == "OPC UA 公路、沥青改性"
    suggestion.click()  # taken out again: the field is rewritten from the keywords it holds
    assert page.input_value("#id_keywords") == "OPC UA、公路"
    context.close()


def test_brokers_reach_the_concept_layer_from_the_menu_and_admins_choose_a_cluster(
    chromium, live_server, broker, admin, owner
):
    for user, shown in ((broker, True), (admin, True), (owner, False)):
        context = _context(chromium, live_server, user, DESKTOP)
        page = context.new_page()
        page.goto(live_server.url + "/")
        assert (page.locator("nav.mainnav a[href='/matching/concepts/']").count() == 1) is shown, user
        context.close()
    context = _context(chromium, live_server, admin, PHONE)
    page = context.new_page()
    page.goto(live_server.url + "/matching/concepts/")
    assert page.evaluate(WIDER_THAN_WINDOW) <= 1  # the menu's extra entry fits a phone
    before = ConceptLink.objects.count()
    page.fill("#id_problem", "锅炉|炉子 结焦|结渣")
    page.fill("#id_technology", "防结焦、燃烧调整")
    page.get_by_role("button", name="添加", exact=True).click()  # no cluster chosen
    page.wait_for_load_state()
    assert ConceptLink.objects.count() == before
    assert page.locator("#id_cluster").evaluate("el => el.value") == ""
    assert "这个字段是必填项" in page.locator("#field-cluster").inner_text()
    context.close()
