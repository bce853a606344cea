"""Words for the CSV exports: column headers and coded values in the reader's language.

The CSV writer (``exports.py``) keeps the machine-readable column names and codes for a second, coded
export; the human-readable export writes ``column_label(name)`` as the header and ``value_label(name,
value)`` for each cell (status, source and deal stage become 已批准 / 主动意向 / 洽谈中 …).
"""

from __future__ import annotations

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
    "created_at": _("Proposed"),
    "reviewed_by": _("Reviewed by"),
    "reviewed_at": _("Reviewed"),
    "review_note": _("Review note"),
    "approved_at": _("Approved"),
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
}

VALUE_LABELS = {
    "source": dict(MatchSource.choices),
    "status": dict(MatchStatus.choices),
    "deal_stage": dict(DealStage.choices),
}


def column_label(name: str) -> str:
    """The header of a column in the active language (unknown columns keep their name)."""
    return str(COLUMN_LABELS.get(name, name))


def value_label(name: str, value) -> str:
    """A cell in words: codes of ``source``, ``status`` and ``deal_stage`` become their labels."""
    labels = VALUE_LABELS.get(name)
    if labels is None or value in ("", None):
        return value
    return str(labels.get(value, value))
