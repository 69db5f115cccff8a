"""Scaffold: replaced by the real views."""
from django.http import HttpResponse


def apply(request, *args, **kwargs):
    return HttpResponse("apply")


def my_organisations(request, *args, **kwargs):
    return HttpResponse("my_organisations")


def opportunities(request, *args, **kwargs):
    return HttpResponse("opportunities")


def opportunity_delete(request, *args, **kwargs):
    return HttpResponse("opportunity_delete")


def opportunity_edit(request, *args, **kwargs):
    return HttpResponse("opportunity_edit")


def organisation_edit(request, *args, **kwargs):
    return HttpResponse("organisation_edit")


def people(request, *args, **kwargs):
    return HttpResponse("people")


def person_delete(request, *args, **kwargs):
    return HttpResponse("person_delete")


def person_edit(request, *args, **kwargs):
    return HttpResponse("person_edit")


def register(request, *args, **kwargs):
    return HttpResponse("register")

