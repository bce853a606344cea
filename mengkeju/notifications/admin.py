from django.contrib import admin

from .models import EmailOutbox, Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["recipient", "kind", "created_at", "read_at"]
    list_filter = ["kind"]
    search_fields = ["recipient__username", "recipient__display_name"]
    raw_id_fields = ["recipient"]


@admin.register(EmailOutbox)
class EmailOutboxAdmin(admin.ModelAdmin):
    list_display = ["to", "subject", "status", "attempts", "created_at", "sent_at"]
    list_filter = ["status"]
    search_fields = ["to", "subject"]
    raw_id_fields = ["notification"]
    readonly_fields = ["claimed_at", "sent_at", "last_error", "headers", "request_id"]
