from django.urls import path

from . import views

app_name = "matching"
urlpatterns = [
    path("runs/", views.runs, name="runs"),
    path("runs/start/", views.run_start, name="run_start"),
    path("runs/<int:pk>/cancel/", views.run_cancel, name="run_cancel"),
    path("runs/<int:pk>/status/", views.run_status, name="run_status"),
    path("synonyms/", views.synonyms, name="synonyms"),
    path("synonyms/<int:pk>/delete/", views.synonym_delete, name="synonym_delete"),
    path("concepts/", views.concepts, name="concepts"),
    path("concepts/<int:pk>/", views.concept_edit, name="concept_edit"),
    path("concepts/<int:pk>/active/", views.concept_active, name="concept_active"),
]
