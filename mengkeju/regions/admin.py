from django.contrib import admin

from .models import Division


@admin.register(Division)
class DivisionAdmin(admin.ModelAdmin):
    list_display = ["code", "name_zh", "name_en", "level", "parent", "aliases", "sort_order"]
    list_filter = ["level", "parent"]
    list_editable = ["aliases", "sort_order"]
    search_fields = ["code", "name_zh", "name_en", "aliases"]
    autocomplete_fields = ["parent"]
