from django.urls import path

from . import views

app_name = "dashboard"
urlpatterns = [
    path("", views.dashboard, name="public"),
    path("admin/", views.dashboard_admin, name="admin"),
    path("csv/<slug:name>.csv", views.dashboard_csv, name="csv"),
    path("xlsx/<slug:name>.xlsx", views.dashboard_csv, {"fmt": "xlsx"}, name="xlsx"),
]
