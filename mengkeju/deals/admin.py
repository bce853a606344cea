from django.contrib import admin

from .models import ChallengeEntry, DealEvent


@admin.register(DealEvent)
class DealEventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "match", "action", "stage", "actor"]
    list_filter = ["action", "stage"]
    search_fields = ["match__need__title", "match__achievement__title", "note"]
    raw_id_fields = ["match", "actor"]

    # the timeline of a deal, written by mengkeju.deals.services only
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ChallengeEntry)
class ChallengeEntryAdmin(admin.ModelAdmin):
    list_display = ["need", "organization", "achievement", "status", "created_at"]
    list_filter = ["status"]
    search_fields = ["need__title", "organization__name", "achievement__title", "proposal"]
    # the choice of a winner goes through mengkeju.deals.services.challenge_choose
    readonly_fields = ["need", "achievement", "organization", "submitted_by", "status", "match", "decided_at"]

    def has_add_permission(self, request):
        return False
