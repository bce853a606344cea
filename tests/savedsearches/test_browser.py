"""Save a search in a real browser (Debian chromium driven by Playwright): a visitor is asked to log in,
logs in, filters the need library by region (the grouped select) and a word, saves the search, finds it on
the saved searches page and gets the next morning's digest, whose unsubscribe link asks
first and works logged out."""

import datetime
import re

import pytest
from django.utils import timezone

from mengkeju.notifications.models import EmailOutbox
from mengkeju.savedsearches import services
from mengkeju.savedsearches.models import SavedSearch
from tests.factories import PASSWORD, NeedFactory, OrganizationFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_save_a_search_and_unsubscribe_from_its_digest(page, live_server):
    url = live_server.url
    member = UserFactory(username="member", organization=OrganizationFactory(), role="enterprise")
    org = OrganizationFactory(name="鄂尔多斯市示例光伏材料有限公司")
    NeedFactory(organization=org, title="颗粒硅还原炉节能", description="流化床法颗粒硅。", region="鄂尔多斯市准格尔旗")

    # a visitor is asked to log in; the login leads back to the library
    page.goto(f"{url}/needs/?q=颗粒硅")
    page.locator("#save-search-cta a").click()
    page.fill("#id_username", "member")
    page.fill("#id_password", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/needs/\?q=.*"))

    # filter by 鄂尔多斯市 (all of it) with the grouped select, then save the search
    page.select_option("select[name=region]", value="150600")
    page.locator("form.filters button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator("ul.postings h3").all_inner_texts() == ["颗粒硅还原炉节能"]
    page.fill("#save-search-name", "鄂尔多斯颗粒硅")
    page.select_option("#save-search-frequency", "daily")
    page.locator("#save-search button[type=submit]").click()
    page.wait_for_load_state()
    search = SavedSearch.objects.get(user=member)
    assert search.params == {"q": ["颗粒硅"], "region": ["150600"]} and search.frequency == "daily"
    page.locator("#save-search a[href='/searches/']").click()
    page.wait_for_url(f"{url}/searches/")
    assert page.locator("#saved-searches td a").all_inner_texts() == ["鄂尔多斯颗粒硅"]

    # a new need the next day comes in the digest; its unsubscribe link works in a logged-out browser
    NeedFactory(organization=org, title="颗粒硅氢气回收", region="达拉特旗")
    NeedFactory(organization=org, title="颗粒硅包头项目", region="包头市")
    services.saved_search_digests_send(now=timezone.now() + datetime.timedelta(days=1))
    body = EmailOutbox.objects.get(to=member.email).body
    assert "颗粒硅氢气回收" in body and "颗粒硅包头项目" not in body
    link = re.search(r"/searches/unsubscribe/\S+/", body).group(0)
    page.context.clear_cookies()
    page.goto(url + link)
    assert page.locator("h1").inner_text() == "停止这条订阅提醒？"  # opening the link only asks
    search.refresh_from_db()
    assert search.active
    page.locator("main form button").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "已退订"
    search.refresh_from_db()
    assert not search.active
