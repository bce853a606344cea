from django.contrib import admin

from mengkeju.postings.admin import PostingAdmin

from .models import Achievement


@admin.register(Achievement)
class AchievementAdmin(PostingAdmin):
    list_display = [*PostingAdmin.list_display[:4], "maturity", "price_wan", "ip_type", *PostingAdmin.list_display[4:]]
    list_filter = [*PostingAdmin.list_filter, "maturity", "ip_type"]
    search_fields = [*PostingAdmin.search_fields, "lead_researcher", "team"]
