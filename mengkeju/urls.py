from django.contrib import admin
from django.urls import include, path

from mengkeju.core import views as core_views
from mengkeju.core.health import healthz
from mengkeju.workbench import views as workbench_views

urlpatterns = [
    path("", core_views.home, name="home"),
    path("healthz", healthz, name="healthz"),
    path("workbench/", workbench_views.workbench, name="workbench"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("mengkeju.core.urls")),
    path("terms/", core_views.legal_page, {"page": "terms"}, name="terms"),
    path("privacy/", core_views.legal_page, {"page": "privacy"}, name="privacy"),
    path("moderation/", core_views.moderation, name="moderation"),
    path("needs/", include("needs.urls")),
    path("achievements/", include("achievements.urls")),
    path("matching/", include("matching.urls")),
    path("deals/", include("mengkeju.deals.urls")),
    path("notifications/", include("mengkeju.notifications.urls")),
    path("messages/", include("mengkeju.messaging.urls")),
    path("searches/", include("mengkeju.savedsearches.urls")),
    path("dashboard/", include("mengkeju.dashboard.urls")),
    path("admin/", admin.site.urls),
]
