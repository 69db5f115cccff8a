"""Scaffold: replaced by the real views."""
from django.http import HttpResponse


def export_directory(request, *args, **kwargs):
    return HttpResponse("export_directory")


def export_members(request, *args, **kwargs):
    return HttpResponse("export_members")


def import_organisations(request, *args, **kwargs):
    return HttpResponse("import_organisations")

