"""What walking the product in a browser showed (Debian chromium driven by Playwright):

- in English at 1280 px the admin's main links were squeezed into a narrow column of five rows beside
  the user's links; each main link now stays on one line and the main links share one row;
- the library's filters fold away on a phone; a window widened past the fold (a tablet turned) showed
  neither the filters nor the summary to open them (hidden on wide screens); they now open.
"""

import pytest
from django.conf import settings

from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# how many lines the first text of an element takes on screen
LINES_OF_FIRST_TEXT = """td => {
  const range = document.createRange();
  range.selectNodeContents(td.firstChild);
  return range.getClientRects().length;
}"""


def _context(chromium, url, language, viewport):
    context = chromium.new_context(viewport=viewport)
    context.set_default_timeout(15_000)
    context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": url}])
    return context


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_admins_main_links_share_one_row_at_1280_px(language, chromium, live_server):
    UserFactory(username="platform-admin", role="admin")
    context = _context(chromium, live_server.url, language, {"width": 1280, "height": 900})
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("#id_username", "platform-admin")
        page.fill("#id_password", PASSWORD)
        page.locator("main form button[type=submit]").first.click()
        page.wait_for_load_state()
        boxes = [link.bounding_box() for link in page.locator("header .mainnav a").all()]
        assert len(boxes) >= 8  # libraries, challenges, dashboard, review queue, board, moderation, admin
        heights = {round(box["height"]) for box in boxes}
        tops = {round(box["y"]) for box in boxes}
        assert len(tops) == 1, f"main links on {len(tops)} rows"
        assert max(heights) < 30, "a main link wraps onto two lines"
        assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    finally:
        context.close()


def test_library_filters_open_when_the_window_widens_past_the_fold(chromium, live_server):
    context = _context(chromium, live_server.url, "zh-hans", {"width": 390, "height": 844})
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/needs/")
        filters = page.locator("form.filters")
        assert not filters.is_visible()  # folded on a phone, under its summary
        page.locator("details.filters-fold > summary").click()
        assert filters.is_visible()
        page.locator("details.filters-fold > summary").click()
        page.set_viewport_size({"width": 1280, "height": 900})
        page.wait_for_function("document.querySelector('details.filters-fold').open")
        assert filters.is_visible() and page.locator("#id_q").is_visible()
    finally:
        context.close()


def test_review_queue_keeps_score_and_source_words_whole_beside_the_filters(chromium, live_server, proposal, broker):
    """At 1280 px in English the queue's narrow columns broke words: "0.95/2", "Matche/r"."""
    context = _context(chromium, live_server.url, "en", {"width": 1280, "height": 900})
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("#id_username", broker.username)
        page.fill("#id_password", PASSWORD)
        page.locator("main form button[type=submit]").first.click()
        page.wait_for_load_state()
        page.goto(f"{live_server.url}/deals/review/")
        row = page.locator(f"tr[data-match='{proposal.pk}']")
        line = row.locator("td.score").evaluate("td => parseFloat(getComputedStyle(td).lineHeight)")
        for cell in ("td.score", "td.source"):
            box = row.locator(cell).evaluate(LINES_OF_FIRST_TEXT)
            assert box == 1, f"{cell} text on {box} lines"
        assert row.locator("td.source").inner_text().startswith("Matcher")
        assert line > 0
    finally:
        context.close()


def test_pages_name_their_icon_so_browsers_do_not_ask_for_a_missing_favicon(chromium, live_server):
    """Every first visit logged a console error: GET /favicon.ico 404."""
    context = _context(chromium, live_server.url, "zh-hans", {"width": 1280, "height": 900})
    page = context.new_page()
    failures = []
    page.on("response", lambda response: failures.append(response.url) if response.status >= 400 else None)
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    try:
        page.goto(f"{live_server.url}/")
        page.wait_for_load_state("networkidle")
        icon = page.locator("link[rel=icon]").get_attribute("href")
        assert page.request.get(live_server.url + icon).status == 200
        assert failures == [] and errors == []
    finally:
        context.close()
