"""Personal data in a cluster's back office, under /c/<cluster_slug>/privacy/ (namespace "privacy_staff")."""

from django.urls import path

from filiera.privacy import views

app_name = "privacy_staff"

urlpatterns = [
    path("", views.retention, name="retention"),
    path("due.zip", views.retention_export, name="retention_export"),
    path("erase-due/", views.retention_erase, name="retention_erase"),
    path("people/<int:pk>/export/", views.person_export, name="person_export"),
    path("people/<int:pk>/erase/", views.person_erasure, name="person_erasure"),
]
