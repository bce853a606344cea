"""No page overflows a phone's width (390 px), for every role, in Chinese and English (Debian chromium).

Each role's pages are found by following links with Django's test client (``tests.ui.crawl``, one page
of each URL shape), then opened in chromium with the same session at 390 px: the document must not be
wider than the window.  Screenshots of each role's main pages at 390 and 1280 px, in both languages, go
to ``var/screenshots/`` (ignored by git; CI keeps them as artefacts) for a person to look at.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client

from tests.ui.crawl import crawl

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROLES = ["visitor", "enterprise", "researcher", "broker", "admin", "pending"]
START = ["/", "/workbench/", "/needs/", "/achievements/", "/deals/challenges/", "/notifications/"]
SCREENSHOT_PAGES = {
    "visitor": ["/", "/needs/", "/deals/challenges/", "/accounts/signup/"],
    "enterprise": ["/workbench/", "/needs/mine/", "/deals/matches/"],
    "researcher": ["/workbench/", "/achievements/mine/"],
    "broker": ["/workbench/", "/deals/review/"],
    "admin": ["/workbench/", "/moderation/", "/matching/runs/"],
    "pending": ["/workbench/"],
}
SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}

# what sticks out, for the failure message
OVERFLOW_JS = """() => {
  const width = document.documentElement.clientWidth;
  const over = document.documentElement.scrollWidth - width;
  if (over <= 1) return null;
  const scrolls = (p) => ['auto', 'scroll', 'hidden'].includes(getComputedStyle(p).overflowX)
    && p.getBoundingClientRect().right <= width + 1;
  const inScroller = (el) => {
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) if (scrolls(p)) return true;
    return false;
  };
  const name = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
    + (typeof el.className === 'string' && el.className.trim() ? '.' + el.className.trim().split(/ +/).join('.') : '');
  const culprits = [];
  for (const el of document.querySelectorAll('body *')) {
    const box = el.getBoundingClientRect();
    const out = box.right > width + 1 && box.width > 0 && !inScroller(el);
    if (out) culprits.push(name(el) + ' right=' + Math.round(box.right));
    if (culprits.length >= 5) break;
  }
  return {over: over, culprits: culprits};
}"""


def slug(url: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", url).strip("-") or "home"


@pytest.fixture
def demo_sessions(live_server):
    call_command("load_demo", verbosity=0)
    call_command("match", "--all", verbosity=0)
    call_command("demo_deals", verbosity=0)
    from mengkeju.core.models import Organization, User
    from tests.factories import UserFactory

    pending = UserFactory(
        username="pending", display_name="待审核的新成员", requested_organization=Organization.objects.first()
    )
    users = {role: User.objects.get(username=role) for role in ROLES if role not in ("visitor", "pending")}
    users["pending"] = pending
    sessions, urls = {}, {}
    for role in ROLES:
        client = Client()
        if role != "visitor":
            client.force_login(users[role])
            sessions[role] = client.cookies[settings.SESSION_COOKIE_NAME].value
        import tests.ui.crawl as crawler

        crawler.PER_SHAPE, saved = 1, crawler.PER_SHAPE
        try:
            urls[role] = list(crawl(client, START + SCREENSHOT_PAGES[role], limit=30))
        finally:
            crawler.PER_SHAPE = saved
    return sessions, urls


def open_context(chromium, live_server, session: str | None, language: str, viewport: dict):
    context = chromium.new_context(viewport=viewport, locale="zh-CN" if language == "zh-hans" else "en-US")
    context.set_default_timeout(20_000)
    cookies = [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}]
    if session:
        cookies.append({"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url})
    context.add_cookies(cookies)
    return context


def test_no_page_is_wider_than_a_phone_and_screenshots(chromium, live_server, demo_sessions):
    """At 390 px every crawled page of every role fits, in both languages; each role's main pages are
    photographed at 390 and 1280 px."""
    sessions, urls = demo_sessions
    problems, visited, taken = [], 0, 0
    for language in ("zh-hans", "en"):
        for viewport in (PHONE, DESKTOP):
            folder = SCREENSHOTS / f"{language}-{viewport['width']}"
            folder.mkdir(parents=True, exist_ok=True)
            for role in ROLES:
                context = open_context(chromium, live_server, sessions.get(role), language, viewport)
                page = context.new_page()
                pages = urls[role] if viewport is PHONE else SCREENSHOT_PAGES[role]
                for url in pages:
                    response = page.goto(live_server.url + url)
                    visited += 1
                    if viewport is PHONE:
                        result = page.evaluate(OVERFLOW_JS)
                        if result:
                            problems.append(
                                f"{language} {role} {url}: {result['over']} px too wide: {result['culprits']}"
                            )
                    if url in SCREENSHOT_PAGES[role]:
                        assert response.status == 200, f"{role} {url}: {response.status}"
                        page.screenshot(path=str(folder / f"{role}-{slug(url)}.png"), full_page=True)
                        taken += 1
                context.close()
    assert visited > 80
    assert taken == 4 * sum(len(pages) for pages in SCREENSHOT_PAGES.values())
    assert not problems, "\n".join(problems)
