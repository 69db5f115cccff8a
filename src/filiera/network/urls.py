"""The collaboration network of a network of clusters (namespace "network_public"): its coordinator's page and
files."""

from django.urls import path

from filiera.network import views

app_name = "network_public"

urlpatterns = [
    path("networks/<slug:network_slug>/collaboration/", views.network_collaboration, name="collaboration"),
    path("networks/<slug:network_slug>/collaboration/export/<str:file_format>/", views.network_export,
         name="export"),
]
