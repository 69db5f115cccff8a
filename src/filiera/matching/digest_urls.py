"""URLs of the digest, mounted by the project under /digest/."""

from django.urls import path

from filiera.matching import digest_views

app_name = "digest"

urlpatterns = [
    path("unsubscribe/<str:token>/", digest_views.unsubscribe, name="unsubscribe"),
]
