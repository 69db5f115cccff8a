"""A cluster's back office, under /c/<cluster_slug>/ (namespace "staff"). Every view is a cluster_view."""

from django.urls import path

from filiera.directory.views import imports, staff

app_name = "staff"

urlpatterns = [
    path("", staff.dashboard, name="dashboard"),
    path("members/", staff.members, name="members"),
    path("members/new/", staff.member_new, name="member_new"),
    path("members/export.<str:fmt>", staff.export_members, name="members_export"),
    path("members/<int:pk>/", staff.membership, name="membership"),
    path("members/<int:pk>/status/", staff.membership_status, name="membership_status"),
    path("people/", staff.people, name="people"),
    path("people/<int:pk>/", staff.person, name="person"),
    path("opportunities/", staff.opportunities, name="opportunities"),
    path("opportunities/<int:pk>/moderate/", staff.moderate, name="moderate"),
    path("import/", imports.import_organisations, name="import"),
    path("audit/", staff.audit, name="audit"),
    path("audit/<str:model>/<str:object_id>/", staff.history, name="history"),
]
