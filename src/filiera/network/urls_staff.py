"""A cluster's collaboration network in its back office, under /c/<cluster_slug>/network/ (namespace
"network_staff"): the page and its files."""

from django.urls import path

from filiera.network import views

app_name = "network_staff"

urlpatterns = [
    path("", views.cluster_network, name="network"),
    path("export/<str:file_format>/", views.cluster_export, name="export"),
]
