"""Public privacy notice and a signed-in user's own personal data (no namespace: the notice is "privacy")."""

from django.urls import path

from filiera.privacy import views

urlpatterns = [
    path("privacy/", views.privacy_notice, name="privacy"),
    path("privacy/me/export/", views.my_export, name="privacy_my_export"),
    path("privacy/me/erase/", views.my_erasure, name="privacy_my_erasure"),
]
