"""Message threads (在线洽谈): the thread of a pair, the list of one's threads, attachments."""

from django.conf import settings
from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from mengkeju.deals import permissions as deal_permissions

from . import selectors, services
from .forms import MessageForm


@login_required
@require_http_methods(["GET", "POST"])
def thread(request, pk: int):
    match = selectors.thread_match_get(user=request.user, pk=pk)
    form = MessageForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            message = services.message_post(
                match=match,
                user=request.user,
                body=form.cleaned_data["body"],
                files=form.cleaned_data["files"],
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
        else:
            flash.success(request, _("Message sent."))
            return redirect(f"{request.path}#m{message.pk}")
    services.thread_mark_read(match=match, user=request.user)
    return render(
        request,
        "messaging/thread.html",
        {
            "match": match,
            "message_list": selectors.message_list(match=match),
            "form": form,
            "max_mb": settings.MESSAGE_ATTACHMENT_MAX_MB,
            "needs_nda": deal_permissions.needs_nda(match),
        },
        status=400 if form.errors else 200,
    )


@login_required
def inbox(request):
    threads = list(selectors.thread_list(user=request.user)[:200])
    unread = selectors.unread_by_match(user=request.user, match_ids=[m.pk for m in threads])
    for match in threads:
        match.unread = unread.get(match.pk, 0)
    return render(request, "messaging/inbox.html", {"threads": threads})


@login_required
def attachment(request, pk: int):
    """The file, to members of its thread only (404 for anyone else); never a public media URL."""
    item = selectors.attachment_get(user=request.user, pk=pk)
    try:
        handle = item.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, as_attachment=not item.is_image, filename=item.name, content_type=item.content_type)
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
    return response
