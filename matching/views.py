"""Admin pages of the matcher: full runs with their progress, and the synonym table."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from . import runs as run_services
from . import selectors, services
from .forms import SynonymForm, SynonymSearchForm
from .models import MatchRun, Synonym

SYNONYMS_PER_PAGE = 50


def _require_admin(user) -> None:
    if not user.is_platform_admin:
        raise PermissionDenied


def run_state(run: MatchRun) -> dict:
    """What the progress bar shows; also the JSON of ``run_status``."""
    return {
        "id": run.pk,
        "status": run.status,
        "status_display": run.get_status_display(),
        "finished": run.status not in MatchRun.ACTIVE_STATUSES,
        "progress_percent": run.progress_percent,
        "done_chunks": run.done_chunks,
        "total_chunks": run.total_chunks,
        "processed_items": run.processed_items,
        "total_items": run.total_items,
        "proposals_created": run.proposals_created,
        "proposals_updated": run.proposals_updated,
        "errors": len(run.errors),
        "duration_seconds": run.duration.total_seconds() if run.duration else None,
    }


@login_required
@require_GET
def runs(request):
    _require_admin(request.user)
    current = selectors.match_run_current()
    return render(
        request,
        "matching/runs.html",
        {
            "current": current,
            "current_state": run_state(current) if current else None,
            "active": current is not None and current.status in selectors.ACTIVE_RUN_STATUSES,
            "history": selectors.match_run_list(limit=30),
        },
    )


@login_required
@require_POST
def run_start(request):
    _require_admin(request.user)
    try:
        run = run_services.match_run_start(trigger="admin", user=request.user)
    except run_services.MatchRunActive as exc:
        messages.warning(request, " ".join(exc.messages))
        return redirect("matching:runs")
    run.refresh_from_db()  # enqueued after the commit: failed at once when the broker refused it
    if run.status == MatchRun.Status.FAILED:
        messages.error(
            request,
            _(
                "Full run #%(id)s could not be queued (the task broker is unavailable); "
                "it is marked failed. Try again later."
            )
            % {"id": run.pk},
        )
    else:
        messages.success(request, _("Full run #%(id)s started.") % {"id": run.pk})
    return redirect("matching:runs")


@login_required
@require_POST
def run_cancel(request, pk: int):
    _require_admin(request.user)
    run = get_object_or_404(MatchRun, pk=pk, kind=MatchRun.Kind.FULL)
    try:
        run_services.match_run_cancel(run=run, user=request.user, reason=request.POST.get("reason", "")[:300])
    except run_services.MatchRunNotActive as exc:
        messages.warning(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Full run #%(id)s cancelled.") % {"id": run.pk})
    return redirect("matching:runs")


@login_required
@require_GET
def run_status(request, pk: int):
    _require_admin(request.user)
    run = get_object_or_404(MatchRun, pk=pk)
    return JsonResponse(run_state(run))


@login_required
@require_http_methods(["GET", "POST"])
def synonyms(request):
    _require_admin(request.user)
    search = SynonymSearchForm(request.GET or None)
    query = search.cleaned_data["q"] if search.is_valid() else ""
    form = SynonymForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            pair = services.synonym_create(**form.cleaned_data)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("Added %(pair)s.") % {"pair": pair})
            for warning in _pair_warnings(pair):
                messages.warning(request, warning)
            return redirect(_synonyms_url(pair.term))
    page = Paginator(selectors.synonym_list(search=query), SYNONYMS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "matching/synonyms.html",
        {"form": form, "search": search, "query": query, "page": page},
    )


@login_required
@require_POST
def synonym_delete(request, pk: int):
    _require_admin(request.user)
    pair = get_object_or_404(Synonym, pk=pk)
    services.synonym_delete(synonym=pair)
    messages.success(request, _("Deleted %(pair)s.") % {"pair": pair})
    return redirect(_synonyms_url(request.POST.get("q", "")[:50]))


def _pair_warnings(pair: Synonym) -> list[str]:
    """What the admin should know about a new pair: a side the matcher can never see as one word."""
    from mengkeju.lib.textanalysis import Analyzer

    analyzer = Analyzer([(pair.term, pair.synonym)])
    reasons = {
        "empty": _("“%(word)s” contains no letter, digit or Chinese character: this pair can never fire."),
        "stopword": _("“%(word)s” is a stopword, ignored in every text: this pair can never fire."),
        "number": _("“%(word)s” is a bare number, which the matcher ignores: this pair can never fire."),
        "split": _(
            "“%(word)s” is read as several words (%(words)s): the matcher compares single words, so this pair "
            "never fires there; library search still uses it."
        ),
    }
    out = []
    for word in (pair.term, pair.synonym):
        problem = analyzer.term_problem(word)
        if problem:
            code, words = problem
            out.append(reasons[code] % {"word": word, "words": " / ".join(words)})
    return out


def _synonyms_url(query: str = "") -> str:
    url = reverse("matching:synonyms")
    return f"{url}?{urlencode({'q': query})}" if query else url
