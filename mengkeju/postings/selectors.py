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


SIMILAR_TERMS = 24  # the posting's heaviest index terms used as the query
SIMILAR_PER_TERM = 50  # postings read per term (the matcher's top-M)


def posting_list_similar(*, posting: Posting, user: User, limit: int = 5) -> list[Posting]:
    """Published postings of the same kind most like ``posting``, best first; three queries whatever the
    size of the library: the posting's heaviest terms in the matcher's inverted index, the postings
    weighing most on those terms (``matching.index.top_postings``, BM25-style saturation), and the
    postings themselves.  Empty when the posting is not in the index (not published yet)."""
    from matching.index import top_postings
    from matching.models import IndexTerm

    kind = posting.kind
    terms = dict(
        IndexTerm.objects.filter(kind=kind, posting_id=posting.pk)
        .order_by("-weight", "term")
        .values_list("term", "weight")[:SIMILAR_TERMS]
    )
    if not terms:
        return []
    ids = [pk for pk in top_postings(kind, terms, per_term=SIMILAR_PER_TERM, limit=limit + 1) if pk != posting.pk]
    found = (
        type(posting)
        .objects.select_related("organization")
        .filter(pk__in=ids[: limit + 1], status=PostingStatus.PUBLISHED)
        .in_bulk()
    )
    return [found[pk] for pk in ids if pk in found][:limit]
