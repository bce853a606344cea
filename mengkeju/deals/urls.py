from django.urls import path, re_path

from . import views

app_name = "deals"
urlpatterns = [
    path("review/", views.review_queue, name="queue"),
    path("review/bulk/", views.review_bulk, name="bulk"),
    path("matches/", views.my_matches, name="mine"),
    path("matches/<int:pk>/", views.match_detail, name="match"),
    path("matches/<int:pk>/decide/", views.match_decide, name="decide"),
    path("matches/<int:pk>/stage/", views.match_stage, name="stage"),
    path("matches/<int:pk>/claim/", views.deal_claim, name="claim"),
    path("matches/<int:pk>/assign/", views.deal_assign, name="assign"),
    path("matches/<int:pk>/nda/", views.deal_nda, name="nda"),
    path("board/", views.deal_board, name="board"),
    re_path(r"^interest/(?P<kind>need|achievement)/(?P<pk>\d+)/$", views.interest_express, name="interest"),
    path("challenges/", views.challenge_board, name="challenges"),
    path("challenges/archive/", views.challenge_archive, name="challenge_archive"),
    path("challenges/<int:pk>/", views.challenge_detail, name="challenge"),
    path("challenges/<int:pk>/enter/", views.challenge_enter, name="challenge_enter"),
    path("challenges/entries/<int:pk>/choose/", views.challenge_choose, name="challenge_choose"),
    path("export/", views.export_page, name="export"),
    path("export/matches.csv", views.export_matches, name="export_matches"),
    path("export/deals.csv", views.export_deals, name="export_deals"),
    path("export/matches.xlsx", views.export_matches, {"fmt": "xlsx"}, name="export_matches_xlsx"),
    path("export/deals.xlsx", views.export_deals, {"fmt": "xlsx"}, name="export_deals_xlsx"),
]
