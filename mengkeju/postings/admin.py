from django.contrib import admin


class PostingAdmin(admin.ModelAdmin):
    """Shared admin for needs and achievements.  Status and the moderation decision are read-only: they
    change through mengkeju.postings.services (conditional updates, audit log, matcher hooks)."""

    list_display = ["title", "organization", "cluster", "status", "published_at", "updated_at"]
    list_filter = ["status", "cluster", "cooperation_modes", "organization__kind"]
    search_fields = ["title", "description", "external_id", "organization__name"]
    date_hierarchy = "published_at"
    autocomplete_fields = ["organization"]
    filter_horizontal = ["cooperation_modes"]
    readonly_fields = [
        "status",
        "rejection_reason",
        "search_tokens",
        "submitted_at",
        "published_at",
        "closed_at",
        "created_at",
        "updated_at",
    ]
    list_select_related = ["organization", "cluster"]
