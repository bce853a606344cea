from django.contrib import admin

from mengkeju.postings.admin import PostingAdmin

from .models import TechnicalNeed


@admin.register(TechnicalNeed)
class TechnicalNeedAdmin(PostingAdmin):
    list_display = [
        *PostingAdmin.list_display[:4],
        "budget_min_wan",
        "budget_max_wan",
        "confidential",
        "is_challenge",
        *PostingAdmin.list_display[4:],
    ]
    list_filter = [*PostingAdmin.list_filter, "confidential", "is_challenge"]
