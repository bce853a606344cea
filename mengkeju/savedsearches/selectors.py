from django.db.models import QuerySet
from django.http import Http404

from mengkeju.core.models import User

from .models import SavedSearch


def saved_search_list(*, user: User) -> QuerySet:
    """The user's saved searches, newest first."""
    return SavedSearch.objects.filter(user=user).order_by("-created_at", "-id")


def saved_search_get(*, user: User, pk: int) -> SavedSearch:
    """One of the user's saved searches; another user's is a 404."""
    found = SavedSearch.objects.filter(user=user, pk=pk).first()
    if found is None:
        raise Http404
    return found
