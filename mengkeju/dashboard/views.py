"""Public summary and admin view of the platform's figures; every chart has a table and a CSV download."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _

from mengkeju.deals.exports import spreadsheet_response, wants_codes

from . import charts, selectors

FUNNEL_LABELS = {
    "proposed": lambda: _("Proposed"),
    "approved": lambda: _("Approved"),
    "contacted": lambda: _("Contacted"),
    "signed": lambda: _("Contract signed"),
}


def _figures() -> dict:
    clusters = selectors.postings_by_cluster()
    months = selectors.postings_over_time()
    funnel = selectors.funnel()
    for step in funnel:
        step["label"] = FUNNEL_LABELS[step["step"]]()
    return {
        "clusters": clusters,
        "clusters_chart": charts.hbar_chart(
            labels=[row["cluster"] for row in clusters],
            series=[
                (_("Needs"), [row["needs"] for row in clusters]),
                (_("Achievements"), [row["achievements"] for row in clusters]),
            ],
            title=_("Published postings by industry cluster"),
        ),
        "months": months,
        "months_chart": charts.column_chart(
            labels=[row["month"] for row in months],
            series=[
                (_("Needs"), [row["needs"] for row in months]),
                (_("Achievements"), [row["achievements"] for row in months]),
            ],
            title=_("New postings per month"),
        ),
        "funnel": funnel,
        "funnel_chart": charts.hbar_chart(
            labels=[step["label"] for step in funnel],
            series=[(_("Matches"), [step["count"] for step in funnel])],
            title=_("From proposal to contract"),
        ),
        "headline": selectors.headline(),
    }


def _is_staff(user) -> bool:
    return user.is_authenticated and user.is_broker


def dashboard(request):
    return render(request, "dashboard/public.html", _figures() | {"can_see_admin": _is_staff(request.user)})


@login_required
def dashboard_admin(request):
    if not _is_staff(request.user):
        raise PermissionDenied
    brokers = selectors.review_by_broker()
    return render(
        request,
        "dashboard/admin.html",
        _figures()
        | {
            "backlog": selectors.review_backlog(),
            "median_review_hours": selectors.median_review_hours(),
            "brokers": brokers,
            "brokers_chart": charts.hbar_chart(
                labels=[row["broker"] for row in brokers],
                series=[
                    (_("Approved"), [row["approved"] for row in brokers]),
                    (_("Rejected"), [row["rejected"] for row in brokers]),
                ],
                title=_("Decisions per broker"),
            ),
        },
    )


def _csv_rows(name: str):
    if name == "clusters":
        return ["code", "cluster", "needs", "achievements"], selectors.postings_by_cluster()
    if name == "postings-over-time":
        return ["month", "needs", "achievements"], selectors.postings_over_time()
    if name == "funnel":
        return ["step", "count"], selectors.funnel()
    if name == "headline":
        h = selectors.headline()
        return ["figure", "value"], [
            {"figure": "contract_value_wan", "value": h.contract_value_wan},
            {
                "figure": "median_days_to_approval",
                "value": "" if h.median_days_to_approval is None else h.median_days_to_approval,
            },
            {
                "figure": "median_days_to_signature",
                "value": "" if h.median_days_to_signature is None else h.median_days_to_signature,
            },
        ]
    return None


ADMIN_CSV = {"review", "brokers"}


def dashboard_csv(request, name: str, fmt: str = "csv"):
    """One figure table as CSV (UTF-8 with BOM) or, with ``fmt="xlsx"``, as a workbook; headers, funnel
    steps and figure names in the reader's language, or machine names with ``?codes=1``."""
    if name in ADMIN_CSV:
        if not _is_staff(request.user):
            raise PermissionDenied
        if name == "brokers":
            columns, rows = ["broker", "approved", "rejected", "median_hours"], selectors.review_by_broker()
        else:
            backlog = selectors.review_backlog()
            columns = ["figure", "value"]
            hours = selectors.median_review_hours()
            rows = [
                {"figure": "open_proposals", "value": backlog["open"]},
                {
                    "figure": "oldest_open_days",
                    "value": "" if backlog["oldest_days"] is None else backlog["oldest_days"],
                },
                {"figure": "median_review_hours", "value": "" if hours is None else hours},
            ]
    else:
        found = _csv_rows(name)
        if found is None:
            raise Http404
        columns, rows = found
    return spreadsheet_response(columns, list(rows), f"mengkeju-{name}", fmt, coded=wants_codes(request))
