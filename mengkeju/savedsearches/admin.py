from django.contrib import admin

from .models import SavedSearch


@admin.register(SavedSearch)
class SavedSearchAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "kind", "frequency", "active", "checked_at", "created_at"]
    list_filter = ["kind", "frequency", "active"]
    search_fields = ["name", "user__username"]
    raw_id_fields = ["user"]
