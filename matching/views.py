"""Admin pages of the matcher: full runs with their progress, the synonym table, and the concept layer
(admins edit it, brokers read it)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from . import runs as run_services
from . import selectors, services
from .forms import ConceptLinkForm, ConceptSearchForm, SynonymForm, SynonymSearchForm
from .models import ConceptLink, ConceptLinkChange, MatchRun, Synonym

SYNONYMS_PER_PAGE = 50
CONCEPTS_PER_PAGE = 100
HISTORY_ROWS = 30


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
    pairs = selectors.synonym_list(search=query) if not search.errors else Synonym.objects.none()
    page = Paginator(pairs, SYNONYMS_PER_PAGE).get_page(request.GET.get("page"))
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


# --- the concept layer ------------------------------------------------------------------------------


def _require_broker(user) -> None:
    if not user.is_broker:
        raise PermissionDenied


def _concept_form_save(request, form, *, link=None):
    """Save a valid form through the service; field errors go back on the form. The saved link or None."""
    try:
        return services.concept_link_save(user=request.user, link=link, **form.cleaned_data)
    except ValidationError as exc:
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    return None


@login_required
@require_http_methods(["GET", "POST"])
def concepts(request):
    """The relations per cluster (search, filter by cluster), recent changes; admins add relations."""
    _require_broker(request.user)
    can_edit = request.user.is_platform_admin
    if request.method == "POST" and not can_edit:
        raise PermissionDenied
    search = ConceptSearchForm(request.GET or None)
    query = cluster = ""
    if search.is_valid():
        query, cluster = search.cleaned_data["q"].strip(), search.cleaned_data["cluster"].strip()
    form = ConceptLinkForm(request.POST or None) if can_edit else None
    if request.method == "POST" and form.is_valid():
        link = _concept_form_save(request, form)
        if link is not None:
            messages.success(request, _("Added the relation %(link)s.") % {"link": link})
            return redirect("matching:concepts")
    rows = ConceptLink.objects.all() if not search.errors else ConceptLink.objects.none()
    if cluster:
        rows = rows.filter(cluster=cluster)
    if query:
        rows = rows.filter(Q(problem__icontains=query) | Q(technology__icontains=query) | Q(note__icontains=query))
    page = Paginator(rows.order_by("cluster", "problem", "pk"), CONCEPTS_PER_PAGE).get_page(request.GET.get("page"))
    clusters = list(ConceptLink.objects.order_by("cluster").values_list("cluster", flat=True).distinct())
    history = ConceptLinkChange.objects.select_related("user", "link").order_by("-at", "-id")[:HISTORY_ROWS]
    return render(
        request,
        "matching/concepts.html",
        {
            "form": form,
            "can_edit": can_edit,
            "search": search,
            "query": query,
            "cluster": cluster,
            "clusters": clusters,
            "page": page,
            "history": history,
            "version": _concept_version(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def concept_edit(request, pk: int):
    """One relation with its history; admins edit it here."""
    _require_broker(request.user)
    link = get_object_or_404(ConceptLink, pk=pk)
    can_edit = request.user.is_platform_admin
    if request.method == "POST" and not can_edit:
        raise PermissionDenied
    initial = {name: getattr(link, name) for name in ("cluster", "problem", "technology", "note")}
    form = ConceptLinkForm(request.POST or None, initial=initial) if can_edit else None
    if request.method == "POST" and form.is_valid():
        saved = _concept_form_save(request, form, link=link)
        if saved is not None:
            messages.success(request, _("Saved the relation %(link)s.") % {"link": saved})
            return redirect("matching:concept_edit", pk=saved.pk)
    history = link.changes.select_related("user").order_by("-at", "-id")
    return render(
        request, "matching/concept_edit.html", {"link": link, "form": form, "can_edit": can_edit, "history": history}
    )


@login_required
@require_POST
def concept_active(request, pk: int):
    """Switch a relation off or on (``active`` = "1" / "0")."""
    _require_admin(request.user)
    link = get_object_or_404(ConceptLink, pk=pk)
    active = request.POST.get("active") == "1"
    link = services.concept_link_set_active(link=link, active=active, user=request.user)
    if active:
        messages.success(request, _("The matcher uses %(link)s again.") % {"link": link})
    else:
        messages.success(request, _("The matcher no longer uses %(link)s.") % {"link": link})
    if request.POST.get("next") == "edit":
        return redirect("matching:concept_edit", pk=link.pk)
    return redirect("matching:concepts")


def _concept_version() -> dict:
    """The concept layer's version (the part of the knowledge version stored with every proposal that this
    page changes) and the number of relations the matcher uses."""
    from mengkeju.lib.textanalysis import default_analyzer

    from . import knowledge

    layer = knowledge.concept_layer(default_analyzer())
    return {"digest": knowledge.concept_version(layer), "relations": len(layer.links)}
