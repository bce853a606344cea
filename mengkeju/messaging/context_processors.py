from django.utils.functional import SimpleLazyObject

from .selectors import unread_count


def unread(request):
    """``unread_messages``: counted only when a template shows it (the navigation bar does)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"unread_messages": 0}
    return {"unread_messages": SimpleLazyObject(lambda: unread_count(user=user))}
