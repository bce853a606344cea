"""``{% posting_matches posting user as panel %}`` — the matches a user may see on a posting's page.

* brokers and admins: the posting's open, approved and rejected matches (review context);
* members of the posting's organization: its approved matches only, with the full explanation;
* everyone else: nothing (``panel.role`` is ``None``).
"""

from django import template
from django.urls import reverse
from django.utils.translation import gettext as _

from matching import explain as plain
from matching import selectors
from matching.models import Match, MatchStatus
from matching.services import PostingKind, kind_of
from mengkeju.deals import highlight
from mengkeju.deals import permissions as deal_permissions

register = template.Library()

REVIEW_LIMIT = 20
REVIEW_STATUSES = (MatchStatus.PROPOSED, MatchStatus.APPROVED, MatchStatus.REJECTED)


def _relation_label(relation: str) -> str:
    return {
        "same": _("same industry cluster"),
        "related": _("related industry clusters"),
        "other": _("different industry clusters"),
    }.get(relation, relation)


def _signal_label(signal: dict) -> str:
    name = signal.get("signal")
    if name == "cooperation_modes":
        common = signal.get("common") or []
        if common:
            return _("cooperation modes in common: %(modes)s") % {"modes": "、".join(common)}
        return _("no cooperation mode in common")
    if name == "budget":
        verdict = {
            "within": _("asking price within the budget"),
            "over": _("asking price above the budget"),
            "far_over": _("asking price more than twice the budget"),
        }.get(signal.get("verdict"), signal.get("verdict", ""))
        return _("%(verdict)s (%(price)s / %(budget)s, 10k CNY)") % {
            "verdict": verdict,
            "price": _number(signal.get("price")),
            "budget": _number(signal.get("budget_max")),
        }
    if name == "maturity":
        return _("maturity: %(maturity)s") % {"maturity": signal.get("maturity")}
    return str(name)


def _number(value) -> str:
    if value is None:
        return "—"
    return f"{value:g}" if isinstance(value, float) else str(value)


def explain(explanation: dict, *, short: bool = False) -> dict:
    """The explanation of a match ready for a template: terms with weights, cluster, signals."""
    shared = explanation.get("shared_terms") or []
    synonyms = explanation.get("synonym_terms") or []
    cluster = explanation.get("cluster") or {}
    signals = [
        {"label": _signal_label(s), "adjustment": s.get("adjustment", 0.0)}
        for s in explanation.get("compatibility") or []
    ]
    return {
        "shared_terms": shared[:5] if short else shared,
        "synonym_terms": synonyms[:3] if short else synonyms,
        "cluster_relation": cluster.get("relation"),
        "cluster_label": _relation_label(cluster.get("relation", "")),
        "clusters": cluster,
        "signals": signals,
    }


@register.simple_tag
def posting_matches(posting, user) -> dict:
    if posting is None or user is None or not user.is_authenticated:
        return {"role": None, "rows": []}
    kind = kind_of(posting)
    if user.is_broker:  # brokers and platform admins
        role, statuses = "review", REVIEW_STATUSES
    elif user.organization_id is not None and user.organization_id == posting.organization_id:
        role, statuses = "member", (MatchStatus.APPROVED,)
    else:
        return {"role": None, "rows": []}
    queryset = selectors.proposals_for_posting(posting=posting, statuses=statuses)
    if role == "review":
        queryset = queryset[:REVIEW_LIMIT]
    other_ns = "achievements" if kind == PostingKind.NEED else "needs"
    rows = []
    for match in queryset:
        other = match.achievement if kind == PostingKind.NEED else match.need
        explanation = match.explanation
        if (
            role == "member"
            and kind == PostingKind.ACHIEVEMENT
            and match.need.confidential
            and not deal_permissions.can_read_full_need(user, match)
        ):
            # the achievement's side of a confidential need without its NDA: public text only
            need = match.need
            visible = " ".join([need.title, *need.keywords, need.public_text()])
            explanation = highlight.explanation_within(explanation, visible)
        rows.append(
            {
                "match": match,
                "other": other,
                "other_url": reverse(f"{other_ns}:detail", args=[other.pk]),
                "explanation": explain(explanation, short=role == "review"),
                # what this viewer may read of the stored explanation (the public text only, see above)
                "visible_explanation": explanation,
            }
        )
    panel = {"role": role, "rows": rows, "kind": kind, "limit": REVIEW_LIMIT}
    open_or_approved = (MatchStatus.PROPOSED, MatchStatus.APPROVED)
    if (
        role == "member"
        and not rows
        and kind == PostingKind.NEED
        and posting.status == "published"
        and not Match.objects.filter(need=posting, status__in=open_or_approved).exists()
    ):
        # nothing found by the matcher at all: say so, and say what would help
        from matching.diagnosis import need_diagnosis_for_posting

        panel["no_match_yet"] = True
        panel["diagnosis"] = need_diagnosis_for_posting(posting)
    return panel


@register.filter
def plain_explanation(explanation) -> list[str]:
    """Why a pair was proposed, in sentences (``matching.explain``)."""
    return plain.plain_explanation(explanation)


@register.filter
def score_details(components) -> list[tuple[str, str]]:
    """A match's numbers with readable labels, for brokers (``matching.explain``)."""
    return plain.score_details(components)


@register.filter
def signed(value) -> str:
    """+0.03 / −0.04 for a compatibility adjustment."""
    try:
        value = float(value)
    except (TypeError, ValueError):
        return ""
    return f"{value:+.2f}".replace("-", "−")
