"""CSV and .xlsx exports of matches and deals. Contact columns are filled only where ``can_see_contacts`` allows.

Exports are written in the reader's language (headers and coded values through ``export_labels``); the
coded variant (``coded=True``, ``?codes=1`` on the web) keeps machine names and codes for scripts.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.http import HttpResponse
from django.utils import timezone

from matching.models import Match
from mengkeju.core.models import User
from mengkeju.lib import spreadsheet

from . import export_labels, permissions

CONTACT_COLUMNS = [
    "need_contact_name",
    "need_contact_phone",
    "need_contact_email",
    "need_organization_address",
    "achievement_contact_name",
    "achievement_contact_phone",
    "achievement_contact_email",
    "achievement_organization_address",
]
MATCH_COLUMNS = [
    "match_id",
    "need_id",
    "need_external_id",
    "need_title",
    "need_organization",
    "need_cluster",
    "achievement_id",
    "achievement_external_id",
    "achievement_title",
    "achievement_organization",
    "achievement_cluster",
    "score",
    "source",
    "status",
    "created_at",
    "reviewed_by",
    "reviewed_at",
    "review_note",
    "deal_stage",
    "contract_amount_wan",
    "contract_signed_on",
    *CONTACT_COLUMNS,
]
DEAL_COLUMNS = [
    "match_id",
    "need_title",
    "need_organization",
    "need_published_at",
    "achievement_title",
    "achievement_organization",
    "source",
    "approved_at",
    "approved_by",
    "deal_stage",
    "contract_amount_wan",
    "contract_signed_on",
    "days_publication_to_approval",
    "days_publication_to_signature",
    "drop_reason",
    *CONTACT_COLUMNS,
]


def _time(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def contact_values(match: Match, user: User) -> dict[str, str]:
    if not permissions.can_see_contacts(user, match):
        return dict.fromkeys(CONTACT_COLUMNS, "")
    need, ach = match.need, match.achievement
    return {
        "need_contact_name": need.contact_name,
        "need_contact_phone": need.contact_phone,
        "need_contact_email": need.contact_email,
        "need_organization_address": need.organization.address,
        "achievement_contact_name": ach.contact_name,
        "achievement_contact_phone": ach.contact_phone,
        "achievement_contact_email": ach.contact_email,
        "achievement_organization_address": ach.organization.address,
    }


def days_between(start, end) -> int | None:
    """Whole days from a datetime (or date) to a datetime (or date), in the platform's time zone."""
    if not start or not end:
        return None
    start = timezone.localtime(start).date() if hasattr(start, "hour") else start
    end = timezone.localtime(end).date() if hasattr(end, "hour") else end
    return (end - start).days


def _cluster(cluster, coded: bool) -> str:
    # the coded export keeps the Chinese name it always had; the one in words follows the reader's language
    return cluster.name_zh if coded else cluster.name


def match_row(match: Match, user: User, *, coded: bool = False) -> dict:
    """One row of the matches export, keyed by ``MATCH_COLUMNS`` (codes as stored; ``export_labels`` puts
    them in words). The industry clusters are named in the active language unless ``coded``."""
    return {
        "match_id": match.pk,
        "need_id": match.need_id,
        "need_external_id": match.need.external_id or "",
        "need_title": match.need.title,
        "need_organization": match.need.organization.name,
        "need_cluster": _cluster(match.need.cluster, coded),
        "achievement_id": match.achievement_id,
        "achievement_external_id": match.achievement.external_id or "",
        "achievement_title": match.achievement.title,
        "achievement_organization": match.achievement.organization.name,
        "achievement_cluster": _cluster(match.achievement.cluster, coded),
        "score": f"{match.score:.4f}",
        "source": match.source,
        "status": match.status,
        "created_at": _time(match.created_at),
        "reviewed_by": str(match.reviewed_by or ""),
        "reviewed_at": _time(match.reviewed_at),
        "review_note": match.review_note,
        "deal_stage": match.deal_stage,
        "contract_amount_wan": match.contract_amount_wan if match.contract_amount_wan is not None else "",
        "contract_signed_on": match.contract_signed_on or "",
    } | contact_values(match, user)


def deal_row(match: Match, user: User) -> dict:
    published = match.need.published_at
    to_approval = days_between(published, match.reviewed_at)
    to_signature = days_between(published, match.contract_signed_on)
    return {
        "match_id": match.pk,
        "need_title": match.need.title,
        "need_organization": match.need.organization.name,
        "need_published_at": _time(published),
        "achievement_title": match.achievement.title,
        "achievement_organization": match.achievement.organization.name,
        "source": match.source,
        "approved_at": _time(match.reviewed_at),
        "approved_by": str(match.reviewed_by or ""),
        "deal_stage": match.deal_stage,
        "contract_amount_wan": match.contract_amount_wan if match.contract_amount_wan is not None else "",
        "contract_signed_on": match.contract_signed_on or "",
        "days_publication_to_approval": "" if to_approval is None else to_approval,
        "days_publication_to_signature": "" if to_signature is None else to_signature,
        "drop_reason": match.drop_reason,
    } | contact_values(match, user)


def wants_codes(request) -> bool:
    """True when the request asks for the machine-readable variant (``?codes=1``)."""
    return request.GET.get("codes") in ("1", "true", "yes")


def write_csv(columns: list[str], rows: Iterable[dict]) -> str:
    """CSV text with a UTF-8 byte-order mark, so spreadsheet programs read the Chinese correctly; cells
    that would start a formula are neutralised (``mengkeju.lib.spreadsheet.safe_cell``)."""
    return spreadsheet.write_csv(columns, rows)


def _stamp() -> str:
    return timezone.localtime().strftime("%Y%m%d-%H%M")


def csv_response(text: str, name: str) -> HttpResponse:
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}-{_stamp()}.csv"'
    return response


def xlsx_response(columns: list[str], rows: Iterable[dict], name: str) -> HttpResponse:
    """The same columns and rows as the CSV, as an .xlsx workbook (one sheet named after the export)."""
    content = spreadsheet.write_xlsx(columns, rows, sheet=name.removeprefix("mengkeju-"))
    response = HttpResponse(content, content_type=spreadsheet.XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{name}-{_stamp()}.xlsx"'
    return response


def spreadsheet_response(
    columns: list[str], rows: Iterable[dict], name: str, fmt: str, *, coded: bool = False
) -> HttpResponse:
    """A download of ``rows`` (dicts keyed by the machine names in ``columns``) as ``fmt`` "csv" (UTF-8 with
    BOM) or "xlsx". Headers and coded values are in the active language (``export_labels.in_words``)
    unless ``coded``, which keeps the machine names and codes and adds ``-codes`` to the file name."""
    if coded:
        name = f"{name}-codes"
    else:
        columns, rows = export_labels.in_words(columns, rows)
    if fmt == "xlsx":
        return xlsx_response(columns, rows, name)
    return csv_response(write_csv(columns, rows), name)
