from django.utils.functional import SimpleLazyObject

from .selectors import notification_unread_count


def unread(request):
    """``unread_notifications``: counted only when a template shows it (the navigation bar does)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"unread_notifications": 0}
    return {"unread_notifications": SimpleLazyObject(lambda: notification_unread_count(user=user))}
