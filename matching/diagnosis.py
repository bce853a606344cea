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

MIN_KEYWORDS = 3
MIN_DESCRIPTION = 80
# a figure with a unit or a comparison: 70 MPa, ±3 mm, 120℃, 8000吨, 30%, ≥ 95
_UNITS = r"%|％|℃|°|[a-zA-Zμ]+|吨|千克|公斤|米|毫米|小时|天|元|万|倍|头|只|亩|度"
_INDICATOR = re.compile(rf"(\d+(\.\d+)?\s*({_UNITS}))|[≥≤±<>]")


def _words(analyzer, text: str, generic) -> list[str]:
    out = []
    for word in analyzer.tokens(text):
        if len(word) >= 2 and word not in generic and word not in out:
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
    generic = knowledge.generic_words()
    keywords = [k.strip() for k in keywords or [] if k and k.strip()]
    advice = []
    specific_keywords = [k for k in keywords if _words(analyzer, k, generic)]
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
    understood = _words(analyzer, " ".join([title or "", " ".join(keywords)]), generic)[:12]
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
    from mengkeju.postings.forms import KEYWORD_SEPARATORS

    cluster = None
    cluster_id = (data.get("cluster") or "").strip()
    if cluster_id.isdigit():
        cluster = IndustryCluster.objects.filter(pk=int(cluster_id)).values_list("name_zh", flat=True).first()
    return need_diagnosis(
        title=data.get("title", ""),
        description=data.get("description", ""),
        keywords=[w for w in KEYWORD_SEPARATORS.split(data.get("keywords", "")) if w],
        cluster=cluster,
        budget_min=data.get("budget_min_wan") or None,
        budget_max=data.get("budget_max_wan") or None,
        modes=data.getlist("cooperation_modes") if hasattr(data, "getlist") else data.get("cooperation_modes"),
    )
