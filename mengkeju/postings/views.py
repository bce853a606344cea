"""Pages for both libraries, written once; ``needs/urls.py`` and ``achievements/urls.py`` pass their kind."""

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.forms.utils import ErrorDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from mengkeju.core.models import AuditLog
from mengkeju.core.services import submission_once
from mengkeju.lib.pagination import LargePaginator

from . import permissions, selectors, services
from .forms import RejectForm
from .models import Posting


@dataclass(frozen=True)
class PostingKind:
    model: type[Posting]
    form_class: type
    filterset_class: type

    @property
    def name(self) -> str:
        return self.model.kind

    @property
    def namespace(self) -> str:
        return f"{self.model.kind}s"

    def context(self) -> dict:
        return {
            "kind": self.name,
            "ns": self.namespace,
            "verbose_name": self.model._meta.verbose_name,
            "verbose_name_plural": self.model._meta.verbose_name_plural,
        }


def _page(request, queryset):
    from django.conf import settings

    return LargePaginator(queryset, settings.PAGE_SIZE).get_page(request.GET.get("page"))


def library(request, kind: PostingKind):
    filterset = kind.filterset_class(
        request.GET or None, queryset=selectors.posting_list(model=kind.model, user=request.user)
    )
    # an invalid field is shown with its error and left out; the valid ones (search words too) apply
    page = _page(request, filterset.qs)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "postings/library.html",
        kind.context()
        | {
            "filter": filterset,
            "page": page,
            "query_string": query.urlencode(),
        },
    )


def detail(request, pk: int, kind: PostingKind):
    posting = selectors.posting_get(model=kind.model, pk=pk, user=request.user)
    can_manage = permissions.can_manage(request.user, posting)
    if not can_manage and posting.status == "published":
        services.posting_count_view(posting=posting)
    history = None
    if can_manage or permissions.can_moderate(request.user):
        history = AuditLog.objects.filter(
            target_type__app_label=posting._meta.app_label,
            target_type__model=posting._meta.model_name,
            target_id=posting.pk,
        ).select_related("actor")[:20]
    return render(
        request,
        "postings/detail.html",
        kind.context()
        | {
            "posting": posting,
            "can_manage": can_manage,
            "full_text": permissions.can_read_full_text(request.user, posting),
            "actions": services.allowed_actions(posting=posting, user=request.user),
            "reject_form": RejectForm() if permissions.can_moderate(request.user) else None,
            "history": history,
            "similar": selectors.posting_list_similar(posting=posting, user=request.user)
            if posting.status == "published"
            else [],
        },
    )


@login_required
def mine(request, kind: PostingKind):
    queryset = selectors.posting_list_own(model=kind.model, user=request.user)
    counts = dict(queryset.order_by().values_list("status").annotate(n=Count("id")))
    status = request.GET.get("status")
    if status:
        queryset = queryset.filter(status=status)
    return render(
        request,
        "postings/mine.html",
        kind.context()
        | {
            "page": _page(request, queryset),
            "counts": counts,
            "status": status,
            "can_create": permissions.can_create(request.user, kind.model),
            "statuses": kind.model._meta.get_field("status").choices,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def create(request, kind: PostingKind):
    if not permissions.can_create(request.user, kind.model):
        raise PermissionDenied
    # the challenge board's "post a challenge" opens the need form with the challenge box ticked
    challenge = request.GET.get("challenge") == "1" and "is_challenge" in kind.form_class.base_fields
    initial = services.contact_defaults(user=request.user) | ({"is_challenge": True} if challenge else {})
    form = kind.form_class(request.POST or None, initial=initial)
    if _preview(request, kind):
        return _render_form(request, kind, _unmarked(form), None, challenge=challenge)
    if request.method == "POST" and form.is_valid():
        data, modes = form.posting_data()
        try:
            posting, created = submission_once(
                user=request.user,
                token=form.submission(),
                create=lambda: services.posting_create(
                    model=kind.model, user=request.user, data=data, cooperation_modes=modes
                ),
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            if created:
                messages.success(request, _("Saved as a draft. Submit it for review when it is ready."))
            else:
                messages.info(request, _("This form was already submitted; here is the draft it created."))
            return redirect(posting or reverse(f"{kind.namespace}:mine"))
    return _render_form(request, kind, form, None, challenge=challenge)


@login_required
@require_http_methods(["GET", "POST"])
def edit(request, pk: int, kind: PostingKind):
    posting = selectors.posting_get(model=kind.model, pk=pk, user=request.user)
    if not permissions.can_manage(request.user, posting):
        raise PermissionDenied
    if not posting.is_editable:
        messages.error(
            request, _("A posting that is %(status)s cannot be edited.") % {"status": posting.get_status_display()}
        )
        return redirect(posting)
    form = kind.form_class(request.POST or None, instance=kind.model.objects.get(pk=posting.pk))
    if _preview(request, kind):
        return _render_form(request, kind, _unmarked(form), posting)
    if request.method == "GET" and request.GET.get("submit"):  # sent back by a refused submission
        form.cleaned_data = {}  # an unbound form has none; add_error expects it
        for name in services.contact_missing(posting):
            if name in form.fields:
                form.add_error(name, str(services.CONTACT_FIELDS[name]))
    if request.method == "POST" and form.is_valid():
        data, modes = form.posting_data()
        try:
            services.posting_update(posting=posting, user=request.user, data=data, cooperation_modes=modes)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Changes saved."))
            return redirect(posting)
    return _render_form(request, kind, form, posting)


def _preview(request, kind: PostingKind) -> bool:
    """The need form's "check how well it will match" button: show the diagnosis, save nothing."""
    return request.method == "POST" and kind.name == "need" and "preview" in request.POST


def _unmarked(form):
    """The form as typed, without error marks: the match preview reads the text, it does not check the
    form — a draft may still lack its budget or contact, and "required" in red beside the diagnosis reads as
    a refusal. Saving checks it as always."""
    form._errors = ErrorDict()  # the typed values stay (bound data); Form.errors no longer cleans
    return form


def _render_form(request, kind: PostingKind, form, posting, *, challenge: bool = False):
    context = kind.context() | {"form": form, "posting": posting, "challenge": challenge}
    if kind.name == "need":
        from matching.diagnosis import need_diagnosis_for_posting, need_diagnosis_from_form

        if request.method == "POST":
            context["diagnosis"] = need_diagnosis_from_form(request.POST)
        elif posting is not None:
            context["diagnosis"] = need_diagnosis_for_posting(posting)
    return render(request, "postings/form.html", context)


ACTION_MESSAGES = {
    "submit": lambda: _("Submitted for review. An admin will check it shortly."),
    "approve": lambda: _("Approved and published."),
    "reject": lambda: _("Rejected; the owner sees your reason."),
    "close": lambda: _("Closed. Its open match proposals were withdrawn."),
    "reopen": lambda: _("Published again."),
}


@login_required
@require_POST
def transition(request, pk: int, action: str, kind: PostingKind):
    posting = selectors.posting_get(model=kind.model, pk=pk, user=request.user)
    try:
        if action == "reject":
            form = RejectForm(request.POST)
            if not form.is_valid():
                messages.error(request, _("Give the owner a reason for the rejection."))
                return redirect(_next_url(request, posting))
            services.posting_reject(posting=posting, user=request.user, reason=form.cleaned_data["reason"])
        else:
            service = {
                "submit": services.posting_submit,
                "approve": services.posting_approve,
                "close": services.posting_close,
                "reopen": services.posting_reopen,
            }[action]
            service(posting=posting, user=request.user)
    except services.TransitionError as exc:
        missing = services.contact_missing(posting)
        if action == "submit" and missing and posting.is_editable:
            # the contact fields are optional while drafting and needed to submit: take the owner to them,
            # each marked with its reason (``edit`` reads ``?submit=1``)
            messages.error(request, _("Fill in the contact details marked below, save, then submit for review again."))
            return redirect(f"{reverse(f'{kind.namespace}:edit', args=[posting.pk])}?submit=1#id_{missing[0]}")
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, ACTION_MESSAGES[action]())
    return redirect(_next_url(request, posting))


def _next_url(request, posting: Posting) -> str:
    """The page to return to: ``next`` when it is on this site, else the posting."""
    next_url = request.POST.get("next", "")
    if next_url and url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return next_url
    return posting.get_absolute_url()
