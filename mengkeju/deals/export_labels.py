"""Words for the spreadsheet exports (CSV and .xlsx): column headers and coded values in the reader's language.

Every web export (matches, deals, dashboard figures) is written in words by default: ``column_label(name)``
as the header and ``value_label(name, value)`` for each cell (status, source, deal stage, funnel step and
figure names become 已批准 / 主动意向 / 洽谈中 / 合同已签订 …), in the active language of the request
(zh-hans by default, English when the interface is English). With ``?codes=1`` the same export keeps the
machine names and codes (``match_id``, ``approved``, ``negotiating``) for scripts; ``CODE_COLUMNS`` are
columns that only the coded export carries.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from django.utils.translation import gettext_lazy as _

from matching.models import DealStage, MatchSource, MatchStatus

COLUMN_LABELS = {
    "match_id": _("Match no."),
    "need_id": _("Need no."),
    "need_external_id": _("Need external ID"),
    "need_title": _("Need"),
    "need_organization": _("Need: organization"),
    "need_cluster": _("Need: industry cluster"),
    "need_published_at": _("Need published"),
    "achievement_id": _("Achievement no."),
    "achievement_external_id": _("Achievement external ID"),
    "achievement_title": _("Achievement"),
    "achievement_organization": _("Achievement: organization"),
    "achievement_cluster": _("Achievement: industry cluster"),
    "score": _("Match score (0–1)"),
    "source": _("Source"),
    "status": _("Review status"),
    "created_at": _("Proposed on"),
    "reviewed_by": _("Reviewed by"),
    "reviewed_at": _("Reviewed on"),
    "review_note": _("Review note"),
    "approved_at": _("Approved on"),
    "approved_by": _("Approved by"),
    "deal_stage": _("Deal stage"),
    "contract_amount_wan": _("Contract amount (10k CNY)"),
    "contract_signed_on": _("Contract signed on"),
    "days_publication_to_approval": _("Days from publication to approval"),
    "days_publication_to_signature": _("Days from publication to signature"),
    "drop_reason": _("Reason dropped"),
    "need_contact_name": _("Need: contact person"),
    "need_contact_phone": _("Need: contact phone"),
    "need_contact_email": _("Need: contact e-mail"),
    "need_organization_address": _("Need: organization address"),
    "achievement_contact_name": _("Achievement: contact person"),
    "achievement_contact_phone": _("Achievement: contact phone"),
    "achievement_contact_email": _("Achievement: contact e-mail"),
    "achievement_organization_address": _("Achievement: organization address"),
    # dashboard figures
    "cluster": _("Industry cluster"),
    "needs": _("Needs"),
    "achievements": _("Achievements"),
    "month": _("Month"),
    "step": _("Step"),
    "count": _("Matches"),
    "figure": _("Figure"),
    "value": _("Value"),
    "broker": _("Broker"),
    "approved": _("Approved"),
    "rejected": _("Rejected"),
    "median_hours": _("Median hours"),
}

CODE_COLUMNS = frozenset({"code"})
"""Columns written only in the coded export (an industry cluster's slug means nothing to a reader)."""

FUNNEL_STEPS = {
    "proposed": _("Proposed"),
    "approved": _("Approved"),
    "contacted": _("Contacted"),
    "signed": _("Contract signed"),
}
FIGURES = {
    "contract_value_wan": _("total contract value (10k CNY)"),
    "median_days_to_approval": _("median days from a need's publication to an approved match"),
    "median_days_to_signature": _("median days from a need's publication to a signed contract"),
    "open_proposals": _("open proposals in the review queue"),
    "oldest_open_days": _("days the oldest proposal has waited"),
    "median_review_hours": _("median hours from proposal to decision"),
}

VALUE_LABELS = {
    "source": dict(MatchSource.choices),
    "status": dict(MatchStatus.choices),
    "deal_stage": dict(DealStage.choices),
    "step": FUNNEL_STEPS,
    "figure": FIGURES,
}


def column_label(name: str) -> str:
    """The header of a column in the active language (unknown columns keep their name)."""
    return str(COLUMN_LABELS.get(name, name))


def value_label(name: str, value):
    """A cell in words: codes of ``source``, ``status``, ``deal_stage``, ``step`` and ``figure`` become
    their labels in the active language; other values (numbers, dates, free text) are returned unchanged."""
    labels = VALUE_LABELS.get(name)
    if labels is None or value in ("", None):
        return value
    return str(labels.get(value, value))


def in_words(columns: list[str], rows: Iterable[dict]) -> tuple[list[str], Iterator[dict]]:
    """The header row and the rows of a human-readable export: ``CODE_COLUMNS`` left out, headers through
    ``column_label`` and cells through ``value_label``. ``rows`` is consumed lazily (exports stream)."""
    kept = [c for c in columns if c not in CODE_COLUMNS]
    headers = [column_label(c) for c in kept]

    def words() -> Iterator[dict]:
        for row in rows:
            yield {h: value_label(c, row.get(c, "")) for c, h in zip(kept, headers, strict=True)}

    return headers, words()
