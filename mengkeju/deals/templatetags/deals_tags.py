"""``{% posting_deal_panel posting %}``: the "express interest" and challenge boxes on a posting's page."""

from django import template

from mengkeju.deals import permissions, selectors, services
from mengkeju.deals.forms import InterestForm

register = template.Library()


@register.inclusion_tag("deals/_posting_panel_body.html", takes_context=True)
def posting_deal_panel(context, posting):
    request = context.get("request")
    user = getattr(request, "user", None)
    result = {"posting": posting, "csrf_token": context.get("csrf_token"), "request": request}
    if user is None:
        return result
    is_challenge = posting.kind == "need" and getattr(posting, "is_challenge", False)
    if is_challenge:
        result["challenge_open"] = services.challenge_is_open(posting)
    if permissions.can_express_interest(user, posting):
        counterparts = selectors.counterpart_choices(user=user, posting=posting)
        result["interest"] = True
        result["interest_form"] = InterestForm(counterparts=counterparts) if counterparts.exists() else None
    return result


@register.filter
def stage_label(value):
    from matching.models import DealStage

    try:
        return DealStage(value).label
    except ValueError:
        return value or ""
