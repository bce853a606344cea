"""Reads of postings with the visibility rules applied (one place for needs and achievements)."""

from django.db.models import QuerySet
from django.http import Http404

from mengkeju.core.models import User

from . import permissions
from .models import Posting, PostingStatus


def _base(model: type[Posting]) -> QuerySet:
    return model.objects.select_related("organization", "cluster").prefetch_related("cooperation_modes")


def posting_list(*, model: type[Posting], user: User) -> QuerySet:
    """The public library: published postings, newest first."""
    return _base(model).filter(status=PostingStatus.PUBLISHED).order_by("-published_at", "-id")


def posting_get(*, model: type[Posting], pk: int, user: User) -> Posting:
    """A posting the user may see, else 404 (a draft of another organization does not exist for them)."""
    posting = _base(model).filter(pk=pk).first()
    if posting is None or not permissions.can_view(user, posting):
        raise Http404
    return posting


def posting_list_own(*, model: type[Posting], user: User) -> QuerySet:
    """All postings of the user's organization, in every state."""
    if not user.is_authenticated or user.organization_id is None:
        return model.objects.none()
    return _base(model).filter(organization_id=user.organization_id).order_by("-updated_at", "-id")


def posting_list_pending(*, model: type[Posting]) -> QuerySet:
    """The moderation queue: oldest submission first."""
    return _base(model).filter(status=PostingStatus.PENDING).order_by("submitted_at", "id")
