"""Scaffold: replaced by the real views."""
from django.http import HttpResponse


def directory(request, *args, **kwargs):
    return HttpResponse("directory")


def export_directory(request, *args, **kwargs):
    return HttpResponse("export_directory")


def opportunity_detail(request, *args, **kwargs):
    return HttpResponse("opportunity_detail")


def opportunity_list(request, *args, **kwargs):
    return HttpResponse("opportunity_list")


def profile(request, *args, **kwargs):
    return HttpResponse("profile")

