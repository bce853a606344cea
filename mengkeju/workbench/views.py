from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from . import selectors


@login_required
def workbench(request):
    """工作台: the landing page after login — postings, what waits for the user, deals, messages, reminders."""
    user = request.user
    model, postings, status_counts = selectors.workbench_postings(user=user)
    return render(
        request,
        "workbench/index.html",
        {
            "posting_model": model,
            "posting_kind": model.kind if model else "",
            "postings": postings,
            "status_counts": status_counts,
            "waiting": selectors.workbench_waiting(user=user),
            "deals": selectors.workbench_deals(user=user),
            "reminders": selectors.workbench_reminders(user=user, model=model),
            "messages_box": selectors.workbench_messages(user=user),
        },
    )
