"""A match's explanation in plain language, and its numbers with labels a person can read.

``plain_explanation(explanation)`` → sentences such as
"共同关键词：颗粒硅、流化床", "近义：粒状多晶硅 ≈ 颗粒硅", "问题–技术关联：路面、裂 → 沥青改性",
"语料关联：驱虫 ≈ 虫卵", "合作方式一致（技术转让）", "报价 120 万元在预算 300 万元以内", "成熟度：中试"
— never an internal key.

``score_details(components)`` → [(label, value text)] for the brokers' folded "score details" panel;
keys it does not know are left out.
"""

from __future__ import annotations

import time

from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

MAX_TERMS = 6


_modes: tuple[float, dict] | None = None  # (when loaded, {name_zh: CooperationMode}); see _modes_by_chinese
MODES_MAX_AGE = 60.0  # seconds


def _modes_by_chinese() -> dict:
    """The cooperation modes by Chinese name, read once per request (a review queue page explains 50 pairs
    with one query, not 50) and at most ``MODES_MAX_AGE`` seconds old outside requests (workers).
    Forgotten at the start of every request and when a mode is saved or deleted (``forget_modes``)."""
    global _modes
    from mengkeju.core.models import CooperationMode

    if _modes is None or time.monotonic() - _modes[0] > MODES_MAX_AGE:
        _modes = (time.monotonic(), {mode.name_zh: mode for mode in CooperationMode.objects.all()})
    return _modes[1]


def forget_modes(**kwargs) -> None:
    """Receiver of ``request_started`` and of the modes' ``post_save`` / ``post_delete``."""
    global _modes
    _modes = None


def _mode_names(names) -> str:
    """Cooperation modes stored by their Chinese names (the matcher's features), in the reader's language:
    "技术转让、合作开发" or "Technology transfer, Joint development"."""
    by_zh = _modes_by_chinese()
    separator = ", " if (get_language() or "").startswith("en") else "、"
    return separator.join(by_zh[name].name if name in by_zh else name for name in names)


def _maturity_label(value) -> str:
    """A maturity stored by its Chinese name (实验室, 中试 …) as the reader's label (Pilot scale (中试))."""
    from achievements.models import MATURITY_BY_CHINESE, Maturity

    maturity = MATURITY_BY_CHINESE.get(value) or (value if value in Maturity.values else None)
    return str(Maturity(maturity).label) if maturity else str(value)


def _number(value) -> str:
    if value is None:
        return "—"
    try:
        return f"{float(value):g}"
    except (TypeError, ValueError):
        return str(value)


def _terms(items, *, evidence_only: bool = True) -> list[dict]:
    if not isinstance(items, list):
        return []
    out = [
        t
        for t in items
        if isinstance(t, dict) and isinstance(t.get("term"), str) and (t.get("evidence", True) or not evidence_only)
    ]
    return out[:MAX_TERMS]


def plain_explanation(explanation: dict) -> list[str]:
    """Sentences explaining why a pair was proposed, most telling first."""
    explanation = explanation if isinstance(explanation, dict) else {}
    sentences = []
    shared = _terms(explanation.get("shared_terms"))
    if shared:
        sentences.append(_("Shared keywords: %(terms)s") % {"terms": "、".join(t["term"] for t in shared)})
    synonyms = [t for t in _terms(explanation.get("synonym_terms")) if isinstance(t.get("via"), str)]
    if synonyms:
        pairs = "、".join(f"{t['via']} ≈ {t['term']}" for t in synonyms)
        sentences.append(_("Similar terms: %(pairs)s") % {"pairs": pairs})
    links: dict[str, list[str]] = {}  # problem → technologies, in order
    for t in _terms(explanation.get("link_terms")):
        technologies = links.setdefault(str(t.get("problem") or ""), [])
        technology = str(t.get("technology") or t["term"])
        if technology not in technologies:
            technologies.append(technology)
    if links:
        text = "；".join(f"{problem} → {'、'.join(techs)}" for problem, techs in links.items())
        sentences.append(_("Problem–technology link: %(links)s") % {"links": text})
    associated = [t for t in _terms(explanation.get("association_terms")) if isinstance(t.get("source"), str)]
    if associated:
        pairs = "、".join(f"{t['source']} ≈ {t['term']}" for t in associated)
        sentences.append(_("Used together in the platform's postings: %(pairs)s") % {"pairs": pairs})
    signals = explanation.get("compatibility")
    for signal in signals if isinstance(signals, list) else []:
        if not isinstance(signal, dict):
            continue
        name = signal.get("signal")
        if name == "cooperation_modes":
            common = signal.get("common") or []
            if common:
                sentences.append(_("Cooperation mode in common (%(modes)s)") % {"modes": _mode_names(common)})
            else:
                sentences.append(_("No cooperation mode in common"))
        elif name == "budget":
            params = {"price": _number(signal.get("price")), "budget": _number(signal.get("budget_max"))}
            verdict = signal.get("verdict")
            if verdict == "within":
                sentences.append(_("Asking price %(price)s (10k CNY) within the budget of %(budget)s") % params)
            elif verdict == "far_over":
                text = _("Asking price %(price)s (10k CNY) more than twice the budget of %(budget)s")
                sentences.append(text % params)
            else:
                sentences.append(_("Asking price %(price)s (10k CNY) above the budget of %(budget)s") % params)
        elif name == "maturity" and signal.get("maturity"):
            sentences.append(_("Maturity: %(maturity)s") % {"maturity": _maturity_label(signal["maturity"])})
    cluster = explanation.get("cluster")
    relation = cluster.get("relation") if isinstance(cluster, dict) else None
    if relation == "same":
        sentences.append(_("Same industry cluster"))
    elif relation == "related":
        sentences.append(_("Related industry clusters"))
    return sentences


# components → readable label; anything else stays out of pages
SCORE_LABELS = {
    "probability": gettext_lazy("Estimated chance a broker approves"),
    "match_score": gettext_lazy("Match score before calibration"),
    "relative": gettext_lazy("Share of the need's best score"),
    "rank": gettext_lazy("Rank among the need's candidates"),
    "evidence": gettext_lazy("Specific concepts in common"),
    "link_evidence": gettext_lazy("Of which through problem–technology links"),
    "term_bm25": gettext_lazy("Word match"),
    "gram_bm25": gettext_lazy("Similar wording (character pairs)"),
    "keyword_coverage": gettext_lazy("Keywords of the need covered"),
    "lexical": gettext_lazy("Text match"),
    "cluster_factor": gettext_lazy("Industry cluster factor"),
    "compatibility_factor": gettext_lazy("Compatibility factor"),
}
PERCENT = {"probability", "relative", "keyword_coverage"}


def score_details(components: dict) -> list[tuple[str, str]]:
    components = components if isinstance(components, dict) else {}
    rows = []
    for key, label in SCORE_LABELS.items():
        value = components.get(key)
        if not isinstance(value, int | float) or isinstance(value, bool):
            continue
        if key in PERCENT:
            text = f"{100 * float(value):.0f}%"
        elif isinstance(value, int):
            text = str(value)
        else:
            text = f"{float(value):.3f}"
        rows.append((str(label), text))
    return rows
