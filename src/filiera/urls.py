from django.contrib import admin
from django.urls import include, path

from filiera.api.api import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("digest/", include("filiera.matching.digest_urls")),
    path("c/<slug:cluster_slug>/events/", include("filiera.events.urls_staff")),
    path("c/<slug:cluster_slug>/projects/", include("filiera.projects.urls_staff")),
    path("c/<slug:cluster_slug>/monitoring/", include("filiera.monitoring.urls_staff")),
    path("c/<slug:cluster_slug>/network/", include("filiera.network.urls_staff")),
    path("c/<slug:cluster_slug>/challenges/", include("filiera.challenges.urls_staff")),
    path("c/<slug:cluster_slug>/privacy/", include("filiera.privacy.urls_staff")),
    path("c/<slug:cluster_slug>/", include("filiera.directory.urls_staff")),
    path("", include("filiera.matching.urls")),
    path("", include("filiera.events.urls")),
    path("", include("filiera.projects.urls")),
    path("", include("filiera.challenges.urls")),
    path("", include("filiera.monitoring.urls")),
    path("", include("filiera.network.urls")),
    path("", include("filiera.privacy.urls")),
    path("", include("filiera.directory.urls")),
    path("", include("filiera.core.urls")),
]
