"""Search, "more like this" and the recommendation panels (namespace "matching")."""

from django.urls import path

from filiera.matching import views

app_name = "matching"

urlpatterns = [
    path("search/", views.search, name="search"),
    path("search/like/<str:kind>/<int:object_id>/", views.more_like_this, name="like"),
    path("search/panels/opportunity/<int:pk>/", views.opportunity_panel, name="opportunity_panel"),
    path("search/panels/partners/<slug:slug>/", views.partners_panel, name="partners_panel"),
]
