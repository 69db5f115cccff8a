"""Scaffold: replaced by the real views."""
from django.http import HttpResponse


def import_organisations(request, *args, **kwargs):
    return HttpResponse("import_organisations")

