"""Scaffold: replaced by the real views."""
from django.http import HttpResponse


def audit(request, *args, **kwargs):
    return HttpResponse("audit")


def dashboard(request, *args, **kwargs):
    return HttpResponse("dashboard")


def export_members(request, *args, **kwargs):
    return HttpResponse("export_members")


def history(request, *args, **kwargs):
    return HttpResponse("history")


def member_new(request, *args, **kwargs):
    return HttpResponse("member_new")


def members(request, *args, **kwargs):
    return HttpResponse("members")


def membership(request, *args, **kwargs):
    return HttpResponse("membership")


def membership_status(request, *args, **kwargs):
    return HttpResponse("membership_status")


def moderate(request, *args, **kwargs):
    return HttpResponse("moderate")


def opportunities(request, *args, **kwargs):
    return HttpResponse("opportunities")


def people(request, *args, **kwargs):
    return HttpResponse("people")


def person(request, *args, **kwargs):
    return HttpResponse("person")

