from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .models import AuditLog, CooperationMode, IndustryCluster, Organization, User


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "region", "credit_code", "verified", "created_at"]
    list_filter = ["kind", "verified", "region"]
    search_fields = ["name", "credit_code", "region"]
    actions = ["mark_verified"]

    @admin.action(description=_("Mark selected organizations as verified"))
    def mark_verified(self, request, queryset):
        from .services import organization_verify

        for organization in queryset.filter(verified=False):
            try:
                organization_verify(organization=organization, actor=request.user)
            except ValidationError as exc:
                self.message_user(request, f"{organization}: {' '.join(exc.messages)}", messages.ERROR)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "display_name", "email", "organization", "is_staff", "is_active", "date_joined"]
    list_filter = ["groups", "is_staff", "is_active", "organization__kind"]
    search_fields = ["username", "display_name", "email", "organization__name"]
    autocomplete_fields = ["organization"]
    fieldsets = [
        *DjangoUserAdmin.fieldsets,
        (_("Platform"), {"fields": ["display_name", "organization", "phone", "title"]}),
    ]


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
