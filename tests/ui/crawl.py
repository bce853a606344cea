"""Crawl the site as one user with Django's test client: every page reachable by links from a start page.

``crawl(client, start=[...])`` → ``{url: response}`` of the HTML pages (GET, same site, status 200), at
most ``limit`` of them.  Links that change state, download files or leave the product are not followed
(``SKIP``); numbered objects are visited once per URL shape (``/needs/12/`` and ``/needs/13/`` count as one
shape, the first three of a shape are kept) so the crawl covers every kind of page without visiting
every row.
"""

from __future__ import annotations

import re
from collections import Counter, deque
from html.parser import HTMLParser
from urllib.parse import urldefrag, urlsplit

SKIP = re.compile(
    r"^/(admin/|i18n/|static/|media/|accounts/logout/|accounts/password/reset/.+/)|\.csv$|\.xlsx$|/download/|/file/"
)
PER_SHAPE = 3


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.links.append(href)


def links_of(html: str) -> list[str]:
    parser = _Links()
    parser.feed(html)
    return parser.links


def shape(url: str) -> str:
    path = urlsplit(url).path
    query = urlsplit(url).query
    return re.sub(r"\d+", "N", path) + ("?" + re.sub(r"=[^&]*", "=", query) if query else "")


def crawl(client, start: list[str], limit: int = 120) -> dict[str, object]:
    seen: set[str] = set()
    shapes: Counter = Counter()
    pages: dict[str, object] = {}
    queue = deque(start)
    while queue and len(pages) < limit:
        url = urldefrag(queue.popleft())[0]
        if url in seen or SKIP.search(urlsplit(url).path) or not url.startswith("/"):
            continue
        seen.add(url)
        if shapes[shape(url)] >= PER_SHAPE:
            continue
        shapes[shape(url)] += 1
        response = client.get(url)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        pages[url] = response
        for href in links_of(response.content.decode()):
            if href.startswith("/") and not href.startswith("//"):
                queue.append(href)
            elif href.startswith("?"):
                queue.append(urlsplit(url).path + href)
    return pages


class _Visible(HTMLParser):
    """Text a reader sees: data outside script/style, and title/placeholder/aria-label/alt attributes."""

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        for name, value in attrs:
            if name in ("title", "placeholder", "aria-label", "alt") and value:
                self.parts.append(value)
            if tag == "input" and name == "value" and value and dict(attrs).get("type") in ("submit", "button"):
                self.parts.append(value)

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Visible()
    parser.feed(html)
    return "\n".join(parser.parts)
