from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _

from .models import AuditLog, CooperationMode, IndustryCluster, Organization, User


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "region", "credit_code", "verified", "created_at"]
    list_filter = ["kind", "verified", "region"]
    search_fields = ["name", "credit_code", "region"]
    actions = ["mark_verified"]
    # verification is a decision: the action below (core.services.organization_verify, audit log)
    readonly_fields = ["verified"]

    @admin.action(description=_("Mark selected organizations as verified"))
    def mark_verified(self, request, queryset):
        from .services import organization_verify

        for organization in queryset.filter(verified=False):
            try:
                organization_verify(organization=organization, actor=request.user)
            except ValidationError as exc:
                self.message_user(request, f"{organization}: {' '.join(exc.messages)}", messages.ERROR)


# Fields that grant powers: only superusers change them, in the admin as anywhere.
PRIVILEGE_FIELDS = ("is_superuser", "is_staff", "groups", "user_permissions")
# Membership decisions go through core.services (membership_approve / _reject) and the audit log.
MEMBERSHIP_FIELDS = ("organization", "requested_organization")


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """Users.  A platform admin who is not a superuser sees the privilege fields (``PRIVILEGE_FIELDS``)
    read-only and cannot change superusers at all (not even their password or e-mail); membership of an
    organization is decided on the moderation page, so it is read-only here for everyone."""

    list_display = ["username", "display_name", "email", "organization", "is_staff", "is_active", "date_joined"]
    list_filter = ["groups", "is_staff", "is_active", "organization__kind"]
    search_fields = ["username", "display_name", "email", "organization__name"]
    fieldsets = [
        *DjangoUserAdmin.fieldsets,
        (_("Platform"), {"fields": ["display_name", *MEMBERSHIP_FIELDS, "phone", "title"]}),
    ]

    def get_readonly_fields(self, request, obj=None):
        fields = [*super().get_readonly_fields(request, obj)]
        if obj is not None:
            fields += MEMBERSHIP_FIELDS
        if not request.user.is_superuser:
            fields += PRIVILEGE_FIELDS
        return fields

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_delete_permission(request, obj)

    def user_change_password(self, request, id, form_url=""):
        user = self.get_object(request, id)
        if user is not None and not self.has_change_permission(request, user):
            raise PermissionDenied
        return super().user_change_password(request, id, form_url)


@admin.register(IndustryCluster)
class IndustryClusterAdmin(admin.ModelAdmin):
    list_display = ["name_zh", "name_en", "code", "sort_order"]
    search_fields = ["name_zh", "name_en", "code"]
    filter_horizontal = ["related"]
    list_editable = ["sort_order"]


@admin.register(CooperationMode)
class CooperationModeAdmin(admin.ModelAdmin):
    list_display = ["name_zh", "name_en", "code", "sort_order"]
    list_editable = ["sort_order"]


@admin.register(AuditLog)
class AuditLogAdmin(admin.ModelAdmin):
    list_display = ["created_at", "actor", "action", "summary"]
    list_filter = ["action", "target_type"]
    search_fields = ["summary", "note", "actor__username"]
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in AuditLog._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
