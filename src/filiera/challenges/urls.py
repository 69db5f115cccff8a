"""Public pages of open-innovation challenges (namespace "challenges")."""

from django.urls import path

from filiera.challenges import views

app_name = "challenges"

urlpatterns = [
    path("challenges/", views.challenge_list, name="list"),
    path("challenges/<int:pk>/", views.challenge_detail, name="detail"),
    path("challenges/<int:pk>/needs/", views.voice, name="voice"),
    path("challenges/<int:pk>/vote/", views.vote, name="vote"),
    path("challenges/<int:pk>/themes/<int:theme_pk>/solution/", views.solution, name="solution"),
]
