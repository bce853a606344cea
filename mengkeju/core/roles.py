"""The four roles are Django groups; this keeps their permissions in step after every migrate."""

from django.contrib.auth.models import Group, Permission

from .models import Role

ROLE_PERMISSIONS = {
    Role.ENTERPRISE: [
        "needs.add_technicalneed",
        "needs.change_technicalneed",
        "needs.view_technicalneed",
        "achievements.view_achievement",
    ],
    Role.RESEARCHER: [
        "achievements.add_achievement",
        "achievements.change_achievement",
        "achievements.view_achievement",
        "needs.view_technicalneed",
    ],
    Role.BROKER: [
        "needs.view_technicalneed",
        "achievements.view_achievement",
        "matching.view_match",
        "matching.change_match",
        "matching.review_match",
    ],
}
ADMIN_APPS = ("core", "needs", "achievements", "matching", "deals", "notifications")


def sync_role_groups(**kwargs) -> None:
    for role in Role:
        group, _ = Group.objects.get_or_create(name=role.value)
        if role == Role.ADMIN:
            perms = Permission.objects.filter(content_type__app_label__in=ADMIN_APPS)
        else:
            wanted = [name.split(".") for name in ROLE_PERMISSIONS[role]]
            perms = [
                p
                for p in Permission.objects.filter(codename__in=[c for _, c in wanted]).select_related("content_type")
                if [p.content_type.app_label, p.codename] in wanted
            ]
        group.permissions.add(*perms)
