from django.db.models import QuerySet

from mengkeju.core.models import User

from .models import Notification


def notification_list(*, user: User) -> QuerySet:
    return Notification.objects.filter(recipient=user).order_by("-created_at", "-id")


def notification_unread_count(*, user: User) -> int:
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def notification_get(*, user: User, pk: int) -> Notification:
    from django.shortcuts import get_object_or_404

    return get_object_or_404(Notification, pk=pk, recipient=user)
