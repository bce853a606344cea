from django.urls import path, re_path

from . import views


def posting_urlpatterns(kind: views.PostingKind) -> list:
    """The same pages for needs and achievements, under each app's namespace."""
    k = {"kind": kind}
    return [
        path("", views.library, k, name="library"),
        path("mine/", views.mine, k, name="mine"),
        path("new/", views.create, k, name="create"),
        path("<int:pk>/", views.detail, k, name="detail"),
        path("<int:pk>/edit/", views.edit, k, name="edit"),
        re_path(
            r"^(?P<pk>\d+)/(?P<action>submit|approve|reject|close|reopen)/$", views.transition, k, name="transition"
        ),
    ]
