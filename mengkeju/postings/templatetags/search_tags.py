"""``{{ text|highlight:query }}``: the library list marks what the search matched (``<mark>``)."""

from __future__ import annotations

import re

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

_LATIN_CHAR = re.compile(r"[0-9a-zα-ω]")


def highlight_spans(text: str, terms: list[str]) -> list[tuple[int, int]]:
    """Spans ``[start, end)`` of ``text`` where a normalised term occurs in the normalised text
    (so 碳纤维 marks 碳纖維, α-淀粉酶 marks α–淀粉酶); Latin terms only as whole words; merged, sorted."""
    from mengkeju.lib.textanalysis.normalize import normalize_char_map

    norm, origins = normalize_char_map(text)
    spans = []
    for term in terms:
        start = norm.find(term)
        while start >= 0:
            end = start + len(term)
            before = norm[start - 1] if start else " "
            after = norm[end] if end < len(norm) else " "
            latin_edge = (_LATIN_CHAR.match(term[0]) and _LATIN_CHAR.match(before)) or (
                _LATIN_CHAR.match(term[-1]) and (_LATIN_CHAR.match(after) or after in "+#")
            )
            if not latin_edge:
                spans.append((origins[start], origins[end - 1] + 1))
            start = norm.find(term, start + 1)
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


@register.filter
def highlight(text, query) -> SafeString:
    """``text`` HTML-escaped, with what ``query`` matched wrapped in ``<mark>``. ``query`` is the search
    text or the request's GET parameters (its ``q`` is used: ``{{ title|highlight:request.GET }}``)."""
    from mengkeju.postings.search import highlight_terms

    if hasattr(query, "get"):
        query = query.get("q", "")

    text = "" if text is None else str(text)
    terms = highlight_terms(str(query)) if query else []
    if not terms:
        return escape(text)
    out, last = [], 0
    for start, end in highlight_spans(text, terms):
        out.append(escape(text[last:start]))
        out.append(f"<mark>{escape(text[start:end])}</mark>")
        last = end
    out.append(escape(text[last:]))
    return mark_safe("".join(out))  # noqa: S308 — every piece is escaped above
