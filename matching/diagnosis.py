"""Need diagnosis: what would make a need easier to match, shown on the need form before it is submitted
and on the page of a published need that has no match yet.

``need_diagnosis(title=, description=, keywords=, cluster=, budget_min=, budget_max=, modes=)`` returns

* ``advice`` — plain-language suggestions, most useful first (no keywords / generic keywords, a short
  description, no figures or indicators, no budget, no cooperation mode);
* ``understood`` — the specific words the matcher will look for (title and keywords, generic words left
  out);
* ``concepts`` — the concept-layer relations the text triggers: {"problem", "technologies"} — the
  technology keywords that achievements solving this problem usually use (suggested keywords);
* ``suggested_keywords`` — those technology terms not yet among the keywords (at most 8).

Budget figures are in 万元. Reads the concept layer and generic words through ``matching.knowledge``.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

from mengkeju.lib.textanalysis import default_analyzer

from . import knowledge
from .scoring import Scorer

MIN_KEYWORDS = 3
MIN_DESCRIPTION = 80
# a figure with a unit or a comparison: 70 MPa, ±3 mm, 120℃, 8000吨, 约8000平方米, 3万头, 30%, ≥ 95 — the
# units of measurement in everyday use in China (法定计量单位 and the common measure words of production)
_UNITS = (
    r"%|％|‰|℃|°|[a-zA-Zμ]+|[万千百亿]?(吨|千克|公斤|斤|克|毫克|升|毫升|立方米|立方|方|平方米|平方公里|平方|"
    r"公顷|亩|公里|千米|米|厘米|毫米|微米|纳米|小时|分钟|秒|天|周|个月|月|年|元|万元|倍|头|只|羽|株|台|套|件|"
    r"辆|人|户|千瓦时|千瓦|兆瓦|瓦|度|伏|千伏|安|转|次)|万|亿"
)
# a year (2023年) is a date, not a figure
_INDICATOR = re.compile(rf"((?<![\d.])(?!(19|20)\d\d年)\d+(\.\d+)?\s*({_UNITS}))|[≥≤±<>]")


def _words(analyzer, text: str, scorer: Scorer) -> list[str]:
    """The specific words of ``text``, by the matcher's own rule (``Scorer.is_evidence_word``): two or more
    characters, not generic, not a word of grammar (不到 of 招不到), not a compound made only of generic
    words (智能控制) — the words a proposal could rest on."""
    out = []
    for word in analyzer.tokens(text):
        if scorer.is_evidence_word(word) and word not in out:
            out.append(word)
    return out


def need_diagnosis(
    *,
    title: str = "",
    description: str = "",
    keywords: list[str] | None = None,
    cluster: str | None = None,
    budget_min=None,
    budget_max=None,
    modes: list[str] | None = None,
) -> dict:
    analyzer = default_analyzer()
    scorer = knowledge.word_rules()
    keywords = [k.strip() for k in keywords or [] if k and k.strip()]
    advice = []
    specific_keywords = [k for k in keywords if _words(analyzer, k, scorer)]
    if len(keywords) < MIN_KEYWORDS:
        advice.append(
            _("Add at least %(n)d keywords naming the product, material, process or technology concerned.")
            % {"n": MIN_KEYWORDS}
        )
    elif len(specific_keywords) < len(keywords):
        general = [k for k in keywords if k not in specific_keywords]
        advice.append(
            _("Some keywords are too general to find a partner (%(words)s): name the thing itself.")
            % {"words": "、".join(general)}
        )
    if len((description or "").strip()) < MIN_DESCRIPTION:
        advice.append(
            _(
                "Describe the situation in more detail: what happens, when, on which product or equipment, "
                "what was tried."
            )
        )
    if not _INDICATOR.search(description or ""):
        advice.append(
            _(
                "Give target figures with units (output, temperature, accuracy, cost …): "
                "researchers match on indicators."
            )
        )
    if budget_min in (None, "") and budget_max in (None, ""):
        advice.append(_("Give a budget range (10k CNY): it helps to propose achievements you can afford."))
    if not modes:
        advice.append(_("Choose the cooperation modes you accept (transfer, licence, joint development …)."))
    text = " ".join([title or "", " ".join(keywords), description or ""])
    understood = _words(analyzer, " ".join([title or "", " ".join(keywords)]), scorer)[:12]
    concepts = knowledge.concept_layer(analyzer).suggestions(text=text, cluster=cluster)
    have = {k.lower() for k in keywords}
    suggested = []
    for concept in concepts:
        for term in concept["technologies"]:
            if term not in have and term not in suggested:
                suggested.append(term)
    if not understood and not concepts:
        advice.insert(0, _("The matcher found no specific term in the title or keywords."))
    return {
        "advice": advice,
        "understood": understood,
        "concepts": concepts,
        "suggested_keywords": suggested[:8],
    }


def need_diagnosis_for_posting(need) -> dict:
    return need_diagnosis(
        title=need.title,
        description=need.description,
        keywords=list(need.keywords or []),
        cluster=need.cluster.name_zh if need.cluster_id else None,
        budget_min=need.budget_min_wan,
        budget_max=need.budget_max_wan,
        modes=[m.name_zh for m in need.cooperation_modes.all()],
    )


def need_diagnosis_from_form(data) -> dict:
    """From the need form's submitted data (a QueryDict), valid or not."""
    from mengkeju.core.models import IndustryCluster
    from mengkeju.postings.forms import keywords_split

    cluster = None
    cluster_id = (data.get("cluster") or "").strip()
    if cluster_id.isdigit():
        cluster = IndustryCluster.objects.filter(pk=int(cluster_id)).values_list("name_zh", flat=True).first()
    return need_diagnosis(
        title=data.get("title", ""),
        description=data.get("description", ""),
        keywords=keywords_split(data.get("keywords", "")),
        cluster=cluster,
        budget_min=data.get("budget_min_wan") or None,
        budget_max=data.get("budget_max_wan") or None,
        modes=data.getlist("cooperation_modes") if hasattr(data, "getlist") else data.get("cooperation_modes"),
    )
