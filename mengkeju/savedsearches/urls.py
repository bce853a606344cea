from django.urls import path

from . import views

app_name = "savedsearches"
urlpatterns = [
    path("", views.saved_search_list, name="list"),
    path("save/", views.saved_search_create, name="create"),
    path("<int:pk>/", views.saved_search_update, name="update"),
    path("<int:pk>/delete/", views.saved_search_delete, name="delete"),
    path("unsubscribe/<str:token>/", views.saved_search_unsubscribe, name="unsubscribe"),
]
