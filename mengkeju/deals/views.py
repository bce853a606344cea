"""Review queue, match pages, expressed interest, deal stages, challenges and CSV exports."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from achievements.models import Achievement
from matching.models import DealStage, MatchStatus
from mengkeju.core.services import submission_once
from mengkeju.lib.pagination import LargePaginator
from mengkeju.messaging import permissions as messaging_permissions
from mengkeju.postings import permissions as posting_permissions
from mengkeju.postings import selectors as posting_selectors
from needs.models import TechnicalNeed

from . import exports, highlight, permissions, selectors, services
from .forms import (
    AssignForm,
    BoardFilterForm,
    BulkDecisionForm,
    ChallengeEntryForm,
    ChooseEntryForm,
    DecisionForm,
    ExportFilterForm,
    InterestForm,
    MatchFilterForm,
    StageForm,
)

QUEUE_PAGE_SIZE = 50
# the queue's count joins every open proposal with both postings (37 ms for 10,000 at 100k postings):
# above 1,000 a broker reads "about N" (mengkeju/lib/pagination.py)
QUEUE_EXACT_COUNT_UP_TO = 1000
QUEUE_ROW_RELATED = ["need__organization", "need__cluster", "achievement__organization", "achievement__cluster"]
QUEUE_ROW_LEAVES_OUT = [
    "components",
    *(f"{side}__{field}" for side in ("need", "achievement") for field in ("description", "search_tokens")),
]


def _require_broker(request):
    if not permissions.can_review(request.user):
        raise PermissionDenied


def _error_text(exc: ValidationError) -> str:
    return " ".join(exc.messages)


def _back(request, fallback: str) -> str:
    next_url = request.POST.get("next", "")
    if next_url and url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return next_url
    return fallback


# --- review ------------------------------------------------------------------------------------------


@login_required
def review_queue(request):
    _require_broker(request)
    filter_form = MatchFilterForm(request.GET or None)
    queryset = selectors.match_review_queue(sort=filter_form.sort_key(), **filter_form.filters())
    # a row shows titles, organisations, clusters and the explanation: the postings' long texts, the
    # requester, reviewer and deal stay behind (50 rows: 106 → 57 ms a page at 100k postings)
    queryset = queryset.select_related(None).select_related(*QUEUE_ROW_RELATED).defer(*QUEUE_ROW_LEAVES_OUT)
    bound = min(settings.EXACT_COUNT_UP_TO, QUEUE_EXACT_COUNT_UP_TO)
    page = LargePaginator(queryset, QUEUE_PAGE_SIZE, exact_up_to=bound).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "deals/queue.html",
        {
            "filter_form": filter_form,
            "page": page,
            "query_string": query.urlencode(),
            "bulk_form": BulkDecisionForm(),
        },
    )


@login_required
@require_POST
def review_bulk(request):
    _require_broker(request)
    ids = [int(v) for v in request.POST.getlist("ids") if v.isdigit()]
    form = BulkDecisionForm(request.POST, ids=ids)
    back = _back(request, reverse("deals:queue"))
    if not ids:
        messages.error(request, _("Select at least one match."))
        return redirect(back)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect(back)
    approve = form.cleaned_data["decision"] == "approve"
    if approve and request.POST.get("confirmed") != "1":
        return _bulk_confirm(request, form.cleaned_data["ids"], form.cleaned_data["note"], back)
    result = services.matches_decide(
        match_ids=form.cleaned_data["ids"], user=request.user, approve=approve, note=form.cleaned_data["note"]
    )
    if result.decided:
        text = _("%(count)d matches approved.") if approve else _("%(count)d matches rejected.")
        messages.success(request, text % {"count": len(result.decided)})
    for conflict in result.conflicts:
        messages.warning(request, conflict)
    return redirect(back)


def _bulk_confirm(request, ids: list[int], note: str, back: str):
    """A bulk approval is confirmed on a page of its own: which pairs, how many introductions and to whom."""
    matches = list(selectors.match_review_queue(sort="score").filter(pk__in=ids))
    skipped = len(set(ids)) - len(matches)
    organizations = {m.need.organization_id for m in matches} | {m.achievement.organization_id for m in matches}
    return render(
        request,
        "deals/bulk_confirm.html",
        {
            "matches": matches,
            "skipped": skipped,
            "n_organizations": len(organizations),
            "note": note,
            "next": back,
        },
    )


def _next_in_queue(match) -> int | None:
    """The best open proposal after this one (for "decide and go on" and the n key)."""
    queue = selectors.match_review_queue().exclude(pk=match.pk)
    return queue.values_list("pk", flat=True).first()


def match_detail(request, pk: int):
    match = selectors.match_get(user=request.user, pk=pk)
    user = request.user
    full_need = permissions.can_read_full_need(user, match)
    need_text = match.need.description if full_need else match.need.public_text()
    explanation = match.explanation
    if not full_need:  # only what the public text of a confidential need says (docs/security.md)
        visible = " ".join([match.need.title, *match.need.keywords, need_text])
        explanation = highlight.explanation_within(explanation, visible)
    classes = highlight.highlight_classes(explanation)
    can_review = permissions.can_review(user)
    targets = services.deal_stage_targets(match=match) if permissions.can_move_deal(user, match) else []
    return render(
        request,
        "deals/match.html",
        {
            "match": match,
            "need": match.need,
            "achievement": match.achievement,
            "need_html": highlight.highlight(need_text, classes),
            "need_title_html": highlight.highlight(match.need.title, classes),
            "achievement_html": highlight.highlight(match.achievement.description, classes),
            "achievement_title_html": highlight.highlight(match.achievement.title, classes),
            "terms": highlight.explanation_terms(explanation),
            "relation": highlight.cluster_relation(explanation),
            "signals": highlight.compatibility_signals(explanation),
            "components": match.components if isinstance(match.components, dict) else {},
            "full_need": full_need,
            "show_contacts": permissions.can_see_contacts(user, match),
            "can_review": can_review,
            "decision_form": DecisionForm() if can_review and match.status == MatchStatus.PROPOSED else None,
            "next_pk": _next_in_queue(match) if can_review else None,
            "stage_form": StageForm(targets=targets) if targets else None,
            "timeline": selectors.match_timeline(match=match),
            "deal": getattr(match, "deal", None) if match.status == MatchStatus.APPROVED else None,
            "can_claim": permissions.can_claim_deal(user, match),
            "assign_form": AssignForm(
                brokers=selectors.broker_choices(),
                initial={"broker": getattr(getattr(match, "deal", None), "broker_id", None)},
            )
            if permissions.can_assign_deal(user, match)
            else None,
            "thread_member": messaging_permissions.is_member(user, match),
            "thread_unread": _unread_by_match(user, [match]).get(match.pk, 0),
            "needs_nda": permissions.needs_nda(match),
            "can_record_nda": permissions.can_record_nda(user, match),
        },
    )


@login_required
@require_POST
def match_decide(request, pk: int):
    match = selectors.match_get(user=request.user, pk=pk)
    _require_broker(request)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect("deals:match", pk=match.pk)
    approve = form.cleaned_data["decision"] == "approve"
    try:
        if approve:
            services.match_approve(match=match, user=request.user, note=form.cleaned_data["note"])
        else:
            services.match_reject(match=match, user=request.user, note=form.cleaned_data["note"])
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
        return redirect("deals:match", pk=match.pk)
    messages.success(
        request, _("Approved: both sides are notified and see each other's contacts.") if approve else _("Rejected.")
    )
    if request.POST.get("then") == "next":
        next_pk = _next_in_queue(match)
        if next_pk:
            return redirect("deals:match", pk=next_pk)
        return redirect("deals:queue")
    return redirect(_back(request, match_url(match)))


def match_url(match) -> str:
    return reverse("deals:match", args=[match.pk])


@login_required
@require_POST
def match_stage(request, pk: int):
    match = selectors.match_get(user=request.user, pk=pk)
    if not permissions.can_move_deal(request.user, match):
        raise PermissionDenied
    form = StageForm(request.POST, targets=services.deal_stage_targets(match=match))
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect("deals:match", pk=match.pk)
    data = form.cleaned_data
    try:
        services.deal_stage_move(
            match=match,
            user=request.user,
            stage=data["stage"],
            note=data["note"],
            amount_wan=data["amount_wan"],
            signed_on=data["signed_on"],
            reason=data["reason"],
        )
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, _("Deal stage saved."))
    return redirect("deals:match", pk=match.pk)


@login_required
def my_matches(request):
    page = Paginator(selectors.match_list_for_user(user=request.user), 30).get_page(request.GET.get("page"))
    return render(request, "deals/mine.html", {"page": page, "is_broker": permissions.can_review(request.user)})


# --- the broker's pipeline -------------------------------------------------------------------------------

BOARD_PAGE_SIZE = 120


@login_required
def deal_board(request):
    """Approved pairs by stage: columns on a wide screen, a stacked list on a phone."""
    _require_broker(request)
    brokers = selectors.broker_choices()
    form = BoardFilterForm(request.GET or None, brokers=brokers)
    queryset = selectors.deal_board(user=request.user, **form.filters())
    page = Paginator(queryset, BOARD_PAGE_SIZE).get_page(request.GET.get("page"))
    rows = list(page)
    unread = _unread_by_match(request.user, rows)
    for row in rows:
        row.unread = unread.get(row.pk, 0)
        row.thread_url = reverse("messaging:thread", args=[row.pk])
    counts = dict(queryset.order_by().values_list("deal_stage").annotate(n=Count("pk")))
    columns = [
        {
            "stage": stage,
            "label": DealStage(stage).label,
            "rows": [r for r in rows if r.deal_stage == stage],
            "count": counts.get(stage, 0),
        }
        for stage in selectors.BOARD_STAGES
    ]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "deals/board.html",
        {
            "form": form,
            "page": page,
            "columns": columns,
            "stalled_days": settings.DEAL_STALLED_DAYS,
            "n_filters": sum(1 for value in form.filters().values() if value),
            "n_stalled": sum(1 for r in rows if r.is_stalled),
            "query_string": query.urlencode(),
        },
    )


def _unread_by_match(user, matches) -> dict:
    """{match id: unread messages of ``user``} for the board's cards (one query)."""
    from mengkeju.messaging import selectors as messaging_selectors

    return messaging_selectors.unread_by_match(user=user, match_ids=[m.pk for m in matches])


@login_required
@require_POST
def deal_claim(request, pk: int):
    match = selectors.match_get(user=request.user, pk=pk)
    try:
        services.deal_claim(match=match, user=request.user)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, _("You are now responsible for this deal."))
    return redirect(_back(request, match_url(match)))


@login_required
@require_POST
def deal_assign(request, pk: int):
    match = selectors.match_get(user=request.user, pk=pk)
    if not permissions.can_assign_deal(request.user, match):
        raise PermissionDenied
    form = AssignForm(request.POST, brokers=selectors.broker_choices())
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect(_back(request, match_url(match)))
    try:
        services.deal_assign(match=match, user=request.user, broker=form.cleaned_data["broker"])
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, _("Responsible broker saved."))
    return redirect(_back(request, match_url(match)))


@login_required
@require_POST
def deal_nda(request, pk: int):
    match = selectors.match_get(user=request.user, pk=pk)
    if not permissions.can_record_nda(request.user, match):
        raise PermissionDenied
    try:
        services.deal_nda_accept(match=match, user=request.user)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, _("NDA recorded: the other side now reads the full text of the need."))
    return redirect("deals:match", pk=match.pk)


# --- expressed interest ----------------------------------------------------------------------------------

KIND_MODELS = {"need": TechnicalNeed, "achievement": Achievement}


@login_required
@require_POST
def interest_express(request, kind: str, pk: int):
    posting = posting_selectors.posting_get(model=KIND_MODELS[kind], pk=pk, user=request.user)
    if not permissions.can_express_interest(request.user, posting):
        raise PermissionDenied
    form = InterestForm(request.POST, counterparts=selectors.counterpart_choices(user=request.user, posting=posting))
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect(posting)
    try:
        _match, created = submission_once(
            user=request.user,
            token=form.submission(),
            create=lambda: services.interest_express(
                user=request.user,
                posting=posting,
                counterpart=form.cleaned_data["counterpart"],
                message=form.cleaned_data["message"],
            ),
        )
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        if created:
            messages.success(
                request, _("Your interest was sent to the brokers. You will be notified of their decision.")
            )
        else:
            messages.info(request, _("This form was already submitted; your interest was sent once."))
    return redirect(posting)


# --- challenges ------------------------------------------------------------------------------------------


def challenge_board(request):
    page = Paginator(selectors.challenge_board(), settings.PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "deals/challenges.html",
        {
            "page": page,
            "today": timezone.localdate(),
            "can_post": posting_permissions.can_create(request.user, TechnicalNeed),
        },
    )


def challenge_archive(request):
    """Past challenges with their winners (public)."""
    page = Paginator(selectors.challenge_archive(), settings.PAGE_SIZE).get_page(request.GET.get("page"))
    for need in page:
        need.winner = need.winners[0] if need.winners else None
    return render(request, "deals/challenge_archive.html", {"page": page})


def challenge_detail(request, pk: int):
    need = selectors.challenge_get(user=request.user, pk=pk)
    user = request.user
    entries = list(selectors.challenge_entries(user=user, need=need))
    can_enter = permissions.can_enter_challenge(user, need) and services.challenge_is_open(need)
    own_entry = next((e for e in entries if user.is_authenticated and e.organization_id == user.organization_id), None)
    achievements = selectors.counterpart_choices(user=user, posting=need)
    winner = selectors.challenge_winner(need=need)
    return render(
        request,
        "deals/challenge.html",
        {
            "need": need,
            "entries": entries,
            "is_open": services.challenge_is_open(need),
            # the enterprise may still choose after the deadline (entries close, the choice follows)
            "winner": winner,
            "awarded": winner is not None,
            "can_choose": permissions.can_choose_entry(user, need),
            "choose_form": ChooseEntryForm(),
            "entry_form": ChallengeEntryForm(achievements=achievements)
            if can_enter and not own_entry and achievements.exists()
            else None,
            "can_enter": can_enter,
            "own_entry": own_entry,
            "n_entries": need.challenge_entries.count(),
        },
    )


@login_required
@require_POST
def challenge_enter(request, pk: int):
    need = selectors.challenge_get(user=request.user, pk=pk)
    if not permissions.can_enter_challenge(request.user, need):
        raise PermissionDenied
    form = ChallengeEntryForm(request.POST, achievements=selectors.counterpart_choices(user=request.user, posting=need))
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect("deals:challenge", pk=need.pk)
    try:
        _entry, created = submission_once(
            user=request.user,
            token=form.submission(),
            create=lambda: services.challenge_enter(
                user=request.user,
                need=need,
                achievement=form.cleaned_data["achievement"],
                proposal=form.cleaned_data["proposal"],
            ),
        )
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        if created:
            messages.success(request, _("You took on the challenge. The enterprise will choose among the entries."))
        else:
            messages.info(request, _("This form was already submitted; your entry was saved once."))
    return redirect("deals:challenge", pk=need.pk)


@login_required
@require_POST
def challenge_choose(request, pk: int):
    entry = selectors.challenge_entry_get(user=request.user, pk=pk)
    if not permissions.can_choose_entry(request.user, entry.need):
        raise PermissionDenied
    form = ChooseEntryForm(request.POST)
    form.is_valid()
    try:
        match = services.challenge_choose(user=request.user, entry=entry, note=form.cleaned_data.get("note", ""))
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
        return redirect("deals:challenge", pk=entry.need_id)
    messages.success(request, _("Winner chosen: you are introduced to each other."))
    return redirect("deals:match", pk=match.pk)


# --- exports ---------------------------------------------------------------------------------------------


@login_required
def export_page(request):
    if not permissions.can_export(request.user):
        raise PermissionDenied
    form = ExportFilterForm(request.GET or None)
    return render(request, "deals/export.html", {"form": form, "query_string": request.GET.urlencode()})


@login_required
def export_matches(request, fmt: str = "csv"):
    if not permissions.can_export(request.user):
        raise PermissionDenied
    form = ExportFilterForm(request.GET or None)
    coded = exports.wants_codes(request)
    rows = (
        exports.match_row(m, request.user, coded=coded)
        for m in selectors.match_export_list(**form.filters()).iterator(2000)
    )
    return exports.spreadsheet_response(exports.MATCH_COLUMNS, rows, "mengkeju-matches", fmt, coded=coded)


@login_required
def export_deals(request, fmt: str = "csv"):
    if not permissions.can_export(request.user):
        raise PermissionDenied
    form = ExportFilterForm(request.GET or None)
    filters = form.filters() | {"status": ""}
    rows = (exports.deal_row(m, request.user) for m in selectors.deal_list(**filters).iterator(2000))
    return exports.spreadsheet_response(
        exports.DEAL_COLUMNS, rows, "mengkeju-deals", fmt, coded=exports.wants_codes(request)
    )
