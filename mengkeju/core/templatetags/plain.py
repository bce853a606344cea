"""Plain-language filters: relative times (3 分钟前), amounts in 万元 (CNY in English), status words.

``{% load plain %}`` then ``{{ value|ago }}``, ``{{ amount|wan }}``, ``{{ code|status_label }}``.
"""

from __future__ import annotations

import datetime

from django import template
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from mengkeju.lib.money import wan_display

register = template.Library()


@register.filter
def ago(value: datetime.datetime | datetime.date | None) -> str:
    """How long ago, in the active language: 刚刚, 3 分钟前, 2 小时前, 5 天前; older than 30 days the date
    (``YYYY-MM-DD``).  A date without time counts from midnight.  ``None`` gives ""."""
    if value is None:
        return ""
    if not isinstance(value, datetime.datetime):
        value = datetime.datetime.combine(value, datetime.time(), tzinfo=timezone.get_current_timezone())
    seconds = (timezone.now() - value).total_seconds()
    if seconds < 60:
        return _("just now")
    minutes = int(seconds // 60)
    if minutes < 60:
        return ngettext("%(n)d minute ago", "%(n)d minutes ago", minutes) % {"n": minutes}
    hours = minutes // 60
    if hours < 24:
        return ngettext("%(n)d hour ago", "%(n)d hours ago", hours) % {"n": hours}
    days = hours // 24
    if days <= 30:
        return ngettext("%(n)d day ago", "%(n)d days ago", days) % {"n": days}
    return timezone.localtime(value).strftime("%Y-%m-%d")


@register.filter
def wan(amount) -> str:
    """An amount in 万元: ``80 万元`` in Chinese, ``CNY 800,000`` in English (``lib.money``)."""
    return wan_display(amount)


@register.filter
def status_label(code: str) -> str:
    """A posting status code in words (``published`` → 已发布)."""
    from mengkeju.postings.models import PostingStatus

    try:
        return str(PostingStatus(code).label)
    except ValueError:
        return code or ""


def audit_action_label(action: str) -> str:
    """An audit-log action code (``need.approve``, ``match.deal_stage``…) in words of the active language;
    a code not listed here reads "Other change", never the code itself."""
    from django.utils.translation import pgettext

    verb = action.split(".", 1)[-1] if action.startswith(("need.", "achievement.")) else action
    labels = {
        "submit": pgettext("audit action", "submit"),
        "approve": pgettext("audit action", "approve"),
        "reject": pgettext("audit action", "reject"),
        "close": pgettext("audit action", "close"),
        "reopen": pgettext("audit action", "reopen"),
        "expire": pgettext("audit action", "expire"),
        "resubmit": pgettext("audit action", "edited while published, back to review"),
        "match.approve": pgettext("audit action", "pair approved and introduced"),
        "match.reject": pgettext("audit action", "pair declined"),
        "match.interest": pgettext("audit action", "interest expressed"),
        "match.deal_stage": pgettext("audit action", "deal stage changed"),
        "challenge.enter": pgettext("audit action", "challenge taken on"),
        "challenge.choose": pgettext("audit action", "challenge winner chosen"),
        "organization.verify": pgettext("audit action", "organization verified"),
        "organization.licence": pgettext("audit action", "business licence uploaded"),
        "membership.approve": pgettext("audit action", "membership approved"),
        "membership.reject": pgettext("audit action", "membership refused"),
    }
    return labels.get(verb) or labels.get(action) or pgettext("audit action", "other change")


@register.filter
def audit_action(action: str) -> str:
    return audit_action_label(action or "")


@register.filter
def seconds(value) -> str:
    """A duration (``timedelta`` or seconds) in words: 耗时 1.4 秒 / took 1.4 s; 1 分 5 秒 past a minute."""
    if value is None or value == "":
        return "—"
    total = value.total_seconds() if isinstance(value, datetime.timedelta) else float(value)
    if total < 60:
        return _("took %(seconds)s s") % {"seconds": f"{total:.1f}"}
    minutes, rest = divmod(int(round(total)), 60)
    return _("took %(minutes)d min %(seconds)d s") % {"minutes": minutes, "seconds": rest}
