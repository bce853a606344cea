"""Reads of threads with the membership rule applied: a thread is visible to the two sides and the
pair's responsible broker only (``permissions.is_member``)."""

from __future__ import annotations

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import Http404

from matching.models import Match, MatchStatus
from mengkeju.core.models import User
from mengkeju.deals import selectors as deal_selectors

from . import permissions
from .models import Attachment, Message, ThreadRead


def thread_match_get(*, user: User, pk: int) -> Match:
    """The approved match whose thread ``user`` may read, else 404 (outsiders learn nothing)."""
    match = deal_selectors._matches().filter(pk=pk).first()
    if match is None or not permissions.is_member(user, match):
        raise Http404
    return match


def message_list(*, match: Match) -> QuerySet:
    return (
        Message.objects.filter(thread__match=match)
        .select_related("author__organization")
        .prefetch_related("attachments")
        .order_by("created_at", "id")
    )


def _member_q(user: User, prefix: str = "thread__match__") -> Q:
    q = Q(**{f"{prefix}deal__broker": user})
    if user.organization_id:
        q |= Q(**{f"{prefix}need__organization_id": user.organization_id})
        q |= Q(**{f"{prefix}achievement__organization_id": user.organization_id})
    return q & Q(**{f"{prefix}status": MatchStatus.APPROVED})


def _unread_messages(user: User) -> QuerySet:
    read = ThreadRead.objects.filter(thread=OuterRef("thread"), user=user, last_read_at__gte=OuterRef("created_at"))
    return Message.objects.filter(_member_q(user)).exclude(author=user).exclude(Exists(read))


def unread_count(*, user: User) -> int:
    """Messages in the user's threads written by others after the user last read the thread (one query)."""
    if not user.is_authenticated:
        return 0
    return _unread_messages(user).count()


def unread_by_match(*, user: User, match_ids: list[int]) -> dict[int, int]:
    """{match id: unread messages} for the given matches (one query)."""
    if not user.is_authenticated or not match_ids:
        return {}
    rows = (
        _unread_messages(user)
        .filter(thread_id__in=match_ids)
        .order_by()
        .values_list("thread_id")
        .annotate(n=Count("id"))
    )
    return dict(rows)


def thread_list(*, user: User) -> QuerySet:
    """The user's threads (approved pairs they are a member of that have messages), latest first,
    each with ``n_messages``."""
    return (
        deal_selectors._matches()
        .filter(_member_q(user, prefix=""), thread__isnull=False)
        .select_related("thread")
        .annotate(n_messages=Count("thread__messages"))
        .order_by("-thread__last_message_at", "-id")
    )


def attachment_get(*, user: User, pk: int) -> Attachment:
    """An attachment of a thread the user belongs to, else 404."""
    attachment = Attachment.objects.select_related("message__thread").filter(pk=pk).first()
    if attachment is None:
        raise Http404
    thread_match_get(user=user, pk=attachment.message.thread_id)
    return attachment
