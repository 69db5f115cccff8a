"""Public directory pages and the member pages of one organisation (namespace "directory")."""

from django.urls import path

from filiera.directory.views import member, public

app_name = "directory"

urlpatterns = [
    # public
    path("directory/", public.directory, name="directory"),
    path("directory/export.<str:fmt>", public.export_directory, name="export"),
    path("org/<slug:slug>/", public.profile, name="profile"),
    path("opportunities/", public.opportunity_list, name="opportunities"),
    path("opportunities/<int:pk>/", public.opportunity_detail, name="opportunity"),
    # members
    path("my/", member.my_organisations, name="my_organisations"),
    path("clusters/<slug:cluster_slug>/join/", member.register, name="register"),
    path("org/<slug:slug>/edit/", member.organisation_edit, name="org_edit"),
    path("org/<slug:slug>/apply/", member.apply, name="apply"),
    path("org/<slug:slug>/people/", member.people, name="org_people"),
    path("org/<slug:slug>/people/new/", member.person_edit, name="person_new"),
    path("org/<slug:slug>/people/<int:pk>/", member.person_edit, name="person_edit"),
    path("org/<slug:slug>/people/<int:pk>/delete/", member.person_delete, name="person_delete"),
    path("org/<slug:slug>/opportunities/", member.opportunities, name="org_opportunities"),
    path("org/<slug:slug>/opportunities/new/", member.opportunity_edit, name="opportunity_new"),
    path("opportunities/<int:pk>/edit/", member.opportunity_edit, name="opportunity_edit"),
    path("opportunities/<int:pk>/delete/", member.opportunity_delete, name="opportunity_delete"),
]
