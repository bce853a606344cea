from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from . import selectors, services
from .forms import SavedSearchForm, SavedSearchUpdateForm
from .models import Frequency


@login_required
def saved_search_list(request):
    searches = [
        {"search": search, "url": services.saved_search_url(search, newest_first=False)}
        for search in selectors.saved_search_list(user=request.user)
    ]
    return render(request, "savedsearches/list.html", {"searches": searches, "frequencies": Frequency.choices})


@login_required
@require_POST
def saved_search_create(request):
    form = SavedSearchForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The search could not be saved: %(errors)s") % {"errors": form.errors.as_text()})
        return redirect("savedsearches:list")
    query = QueryDict(form.cleaned_data["query"])
    try:
        search = services.saved_search_create(
            user=request.user,
            kind=form.cleaned_data["kind"],
            query=query,
            name=form.cleaned_data["name"],
            frequency=form.cleaned_data["frequency"],
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("savedsearches:list")
    messages.success(
        request,
        _("Saved “%(name)s”. New postings that match it come as a %(frequency)s digest.")
        % {"name": search.name, "frequency": search.get_frequency_display().lower()},
    )
    return redirect(services.saved_search_url(search, newest_first=False))


@login_required
@require_POST
def saved_search_update(request, pk: int):
    search = selectors.saved_search_get(user=request.user, pk=pk)
    form = SavedSearchUpdateForm(request.POST)
    if form.is_valid():
        services.saved_search_update(
            saved_search=search,
            user=request.user,
            frequency=form.cleaned_data["frequency"],
            active=form.cleaned_data["active"],
        )
        messages.success(request, _("Changes saved."))
    else:
        messages.error(request, form.errors.as_text())
    return redirect("savedsearches:list")


@login_required
@require_POST
def saved_search_delete(request, pk: int):
    search = selectors.saved_search_get(user=request.user, pk=pk)
    services.saved_search_delete(saved_search=search, user=request.user)
    messages.success(request, _("Deleted the saved search “%(name)s”.") % {"name": search.name})
    return redirect("savedsearches:list")


ONE_CLICK_BODY = "One-Click"  # RFC 8058: a mail program POSTs "List-Unsubscribe=One-Click"


@csrf_exempt  # the signed token in the URL is the credential; RFC 8058 POSTs come without a cookie
@require_http_methods(["GET", "POST"])
def saved_search_unsubscribe(request, token: str):
    """The link in every digest. GET never changes anything: it shows the alert and a button to stop it
    (mail scanners and link previews open links). POST stops it (``active=0``, or the RFC 8058 one-click
    body ``List-Unsubscribe=One-Click`` a mail program sends) or switches it on again (``active=1``); no
    login needed. A damaged or forged token, or one of a deleted search, is a 404 page that says so."""
    search = services.saved_search_from_token(token)
    if search is None:
        return render(request, "savedsearches/unsubscribe.html", {"search": None}, status=404)
    state = "confirm" if search.active else "off"
    if request.method == "POST":
        one_click = request.POST.get("List-Unsubscribe") == ONE_CLICK_BODY
        resume = not one_click and request.POST.get("active") == "1"
        services.saved_search_set_active(saved_search=search, active=resume)
        state = "resumed" if resume else "unsubscribed"
    return render(
        request,
        "savedsearches/unsubscribe.html",
        {"search": search, "state": state, "action": reverse("savedsearches:unsubscribe", args=[token])},
    )
