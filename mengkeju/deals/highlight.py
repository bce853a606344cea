"""Mark the terms a match explanation lists inside the need's and the achievement's texts.

The explanation is written by the matcher (``matching.scoring``); its shape is read defensively here:
``shared_terms`` / ``synonym_terms`` are lists of ``{"term", "via", "contribution"}``, ``link_terms`` (the
concept layer) of ``{"term", "problem", "technology", "contribution"}``, ``association_terms`` of ``{"term",
"source", "contribution"}``, ``shared_grams`` a list of ``{"gram", "contribution"}``; anything missing or
malformed is ignored.
"""

from __future__ import annotations

import re

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from mengkeju.lib.textanalysis import normalize

SHARED, SYNONYM, LINK, GRAM = "shared", "synonym", "link", "gram"


def _items(explanation, key: str) -> list[dict]:
    if not isinstance(explanation, dict):
        return []
    value = explanation.get(key)
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _number(value) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def explanation_terms(explanation) -> dict[str, list[dict]]:
    """The explanation's term lists normalised for templates: term, via, contribution (may be None)."""
    shared = [
        {"term": str(i["term"]), "contribution": _number(i.get("contribution"))}
        for i in _items(explanation, "shared_terms")
        if i.get("term")
    ]
    synonyms = [
        {"term": str(i["term"]), "via": str(i.get("via") or ""), "contribution": _number(i.get("contribution"))}
        for i in _items(explanation, "synonym_terms")
        if i.get("term")
    ]
    links = [
        {
            "term": str(i["term"]),
            "problem": str(i.get("problem") or ""),
            "technology": str(i.get("technology") or i["term"]),
            "contribution": _number(i.get("contribution")),
        }
        for i in _items(explanation, "link_terms")
        if i.get("term")
    ]
    associations = [
        {"term": str(i["term"]), "via": str(i.get("source") or ""), "contribution": _number(i.get("contribution"))}
        for i in _items(explanation, "association_terms")
        if i.get("term")
    ]
    grams = [
        {"term": str(i["gram"]), "contribution": _number(i.get("contribution"))}
        for i in _items(explanation, "shared_grams")
        if i.get("gram")
    ]
    return {"shared": shared, "synonyms": synonyms, "links": links, "associations": associations, "grams": grams}


def highlight_classes(explanation) -> dict[str, str]:
    """term → CSS class; shared terms win over synonyms, synonyms over problem–technology links (the
    problem's cue words in the need, the technology's word in the achievement), links over bigrams."""
    terms = explanation_terms(explanation)
    classes: dict[str, str] = {}
    for item in terms["grams"]:
        classes.setdefault(item["term"], GRAM)
    for item in terms["links"]:
        classes[item["term"]] = LINK
        for cue in _cues(item):
            classes[cue] = LINK
    for item in terms["associations"]:
        classes[item["term"]] = SYNONYM
        if item["via"]:
            classes[item["via"]] = SYNONYM
    for item in terms["synonyms"]:
        classes[item["term"]] = SYNONYM
        if item["via"]:
            classes[item["via"]] = SYNONYM
    for item in terms["shared"]:
        classes[item["term"]] = SHARED
    return {term: css for term, css in classes.items() if term.strip()}


def highlight(text: str, classes: dict[str, str]) -> SafeString:
    """``text`` escaped, with every occurrence of the given terms wrapped in ``<mark class="...">``
    (longest term first, case-insensitive, never inside another mark)."""
    text = text or ""
    if not classes:
        return escape(text)
    lowered = {term.lower(): css for term, css in classes.items()}
    pattern = re.compile(
        "|".join(re.escape(term) for term in sorted(classes, key=lambda t: (-len(t), t))), re.IGNORECASE
    )
    out, last = [], 0
    for found in pattern.finditer(text):
        out.append(escape(text[last : found.start()]))
        css = lowered.get(found.group(0).lower(), SHARED)
        out.append(f'<mark class="hl-{css}">{escape(found.group(0))}</mark>')
        last = found.end()
    out.append(escape(text[last:]))
    return mark_safe("".join(out))  # noqa: S308 — every piece of text above is escaped


def cluster_relation(explanation) -> str:
    cluster = explanation.get("cluster") if isinstance(explanation, dict) else None
    relation = cluster.get("relation") if isinstance(cluster, dict) else None
    return relation if relation in ("same", "related", "other") else ""


def _display(value) -> str:
    if isinstance(value, list | tuple):
        return "、".join(_display(v) for v in value) or "—"
    if isinstance(value, float):
        return f"{value:g}"
    return "—" if value is None else str(value)


def compatibility_signals(explanation) -> list[dict]:
    """Each signal as {signal, adjustment, detail}; detail lists the other keys as (name, text) pairs."""
    signals = []
    for item in _items(explanation, "compatibility"):
        name = str(item.get("signal") or "")
        if not name:
            continue
        detail = [(str(k), _display(v)) for k, v in item.items() if k not in ("signal", "adjustment")]
        signals.append({"signal": name, "adjustment": _number(item.get("adjustment")), "detail": detail})
    return signals


def _cues(item: dict) -> list[str]:
    """A link term's problem cues ("屋里冷、烧煤" → ["屋里冷", "烧煤"])."""
    return [cue.strip() for cue in str(item.get("problem") or "").split("、") if cue.strip()]


def explanation_within(explanation, visible_text: str) -> dict:
    """The explanation restricted to what ``visible_text`` shows: for a person without the right to read a
    confidential need's full text, terms are kept only when the need's public text (title, keywords,
    public summary) contains them — a shared term or bigram must occur in it, a synonym's need-side word
    (``via``) must.  Cluster and compatibility signals come from public fields and are kept.  Returns a
    new dict of the matcher's shape (``matching.scoring``); nothing of the full text survives."""
    if not isinstance(explanation, dict):
        return {}
    text = normalize(visible_text or "")

    def shown(word) -> bool:
        return bool(word) and normalize(str(word)) in text

    return explanation | {
        "shared_terms": [i for i in _items(explanation, "shared_terms") if shown(i.get("term"))],
        "synonym_terms": [i for i in _items(explanation, "synonym_terms") if shown(i.get("via"))],
        "link_terms": [i for i in _items(explanation, "link_terms") if all(map(shown, _cues(i)))],
        "association_terms": [i for i in _items(explanation, "association_terms") if shown(i.get("source"))],
        "shared_grams": [i for i in _items(explanation, "shared_grams") if shown(i.get("gram"))],
    }
