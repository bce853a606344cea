"""Every page, as every role, in zh-hans: no untranslated English msgid, no internal code in what a user reads.

The demo data (``load_demo``, the matcher, ``demo_deals``) gives every kind of page something to show; each
role's pages are found by following links (``tests.ui.crawl``).  While the pages render, every lookup in the
Chinese catalogue that comes back unchanged is recorded: a msgid with Latin words that has no translation
fails the test, with the page it was on.
"""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils.translation import trans_real

from tests.ui.crawl import crawl, visible_text

pytestmark = pytest.mark.django_db

# Raw codes a user must never read (visible text only: class names and URLs may hold them).
RAW = re.compile(
    r"-{9}|common:|verdict:|term_bm25|\b(introduced|contacted|negotiating|signed|implemented|dropped|not_chosen"
    r"|match\.approve|match\.reject|match\.interest|match\.deal_stage|need\.approve|need\.reject"
    r"|achievement\.approve|challenge\.choose|organization\.verify|membership\.approve)\b"
)
# msgids that read the same in Chinese (names of languages, units, product names)
SAME_IN_CHINESE = {"English", "CSV", "PDF", "JSONL", "nDCG@10", "MRR", "BM25", "ID", "Email", "CNY"}
LATIN = re.compile(r"[A-Za-z]{2,}")

# The wording of match explanations ("common:", "verdict:", "term_bm25" on a match page) belongs to the
# matcher's work on issue 10; until it lands they are reported here only when they appear elsewhere.
EXPLANATION_CODES = {"common:", "verdict:", "term_bm25"}
MATCH_PAGE = re.compile(r"^/deals/matches/\d+/$")

START = ["/", "/workbench/", "/notifications/", "/accounts/profile/", "/deals/challenges/archive/"]
ROLES = ["visitor", "enterprise", "researcher", "broker", "admin"]


@pytest.fixture
def untranslated(monkeypatch):
    """msgids looked up in the zh-hans catalogue without a translation, while the test runs."""
    misses: set[str] = set()
    original_gettext = trans_real.DjangoTranslation.gettext
    original_ngettext = trans_real.DjangoTranslation.ngettext

    def record(self, message):
        text = message.split("\x04")[-1]
        if self.language() == "zh-hans" and LATIN.search(text) and text not in SAME_IN_CHINESE:
            misses.add(message.replace("\x04", " | "))

    def gettext(self, message):
        result = original_gettext(self, message)
        if result == message:
            record(self, message)
        return result

    def ngettext(self, singular, plural, n):
        result = original_ngettext(self, singular, plural, n)
        if result in (singular, plural):
            record(self, singular)
        return result

    monkeypatch.setattr(trans_real.DjangoTranslation, "gettext", gettext)
    monkeypatch.setattr(trans_real.DjangoTranslation, "ngettext", ngettext)
    return misses


@pytest.fixture
def demo(db, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    call_command("load_demo", verbosity=0)
    call_command("match", "--all", verbosity=0)
    call_command("demo_deals", verbosity=0)
    from mengkeju.core.models import User

    return {role: User.objects.get(username=role) for role in ROLES if role != "visitor"}


def client_as(demo, role: str) -> Client:
    client = Client()
    if role != "visitor":
        client.force_login(demo[role])
    return client


def test_every_page_in_chinese_is_translated_and_free_of_codes(demo, untranslated):
    problems: list[str] = []
    misses_by_page: dict[str, set[str]] = {}
    total = 0
    before: set[str] = set()
    for role in ROLES:
        client = client_as(demo, role)
        for url, response in crawl(client, START, limit=150).items():
            total += 1
            new = untranslated - before
            if new:
                misses_by_page[f"{role} {url}"] = set(new)
                before |= new
            text = visible_text(response.content.decode())
            hits = {m.group(0) for m in RAW.finditer(text)}
            if MATCH_PAGE.match(url):
                hits -= EXPLANATION_CODES
            for hit in sorted(hits):
                line = next(line for line in text.splitlines() if hit in line)
                problems.append(f"{role} {url}: raw code {hit!r} in “{line.strip()[:120]}”")
    assert total > 60  # the crawl reached the site, not just the home page
    for page, misses in misses_by_page.items():
        problems.extend(f"{page}: untranslated {m!r}" for m in sorted(misses))
    assert not problems, "\n".join(problems)


def test_the_recorder_sees_an_untranslated_msgid_and_the_scan_a_raw_code(untranslated):
    from django.utils import translation

    with translation.override("zh-hans"):
        assert translation.gettext("Workbench") == "工作台"
        translation.gettext("A sentence nobody translated")
    assert untranslated == {"A sentence nobody translated"}
    assert RAW.search(visible_text('<p class="stage-negotiating">阶段：negotiating</p>'))
    assert not RAW.search(visible_text('<p class="badge negotiating">洽谈中</p>'))
