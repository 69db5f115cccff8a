"""A cluster's monitoring reports in its back office (/c/<cluster>/monitoring/reports/): choose a year, a language and
a format, and download the annual activity report, or the evidence pack of a self-assessment. Observers (funders,
the network's coordinator) and staff."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from filiera.core.access import Role
from filiera.core.tenancy import cluster_view
from filiera.monitoring import assessments, reports


def _page(request, choices: dict, errors: dict | None = None, status: int = 200):
    return render(request, "monitoring/reports/index.html", {
        "choices": choices, "errors": errors or {}, "languages": settings.LANGUAGES,
        "first_year": reports.FIRST_YEAR, "last_year": timezone.localdate().year,
        "assessments": assessments.assessments_of(request.cluster).order_by("-year", "-created_at")[:10]},
        status=status)


@require_GET
@cluster_view(Role.OBSERVER)
def report_list(request):
    cluster = request.cluster
    return _page(request, {"year": str(timezone.localdate().year - 1), "lang": cluster.language, "format": ""})


@require_GET
@cluster_view(Role.OBSERVER)
def report_annual(request):
    choices = {"year": request.GET.get("year", "").strip()[:10],
               "lang": request.GET.get("lang", "")[:8] or request.cluster.language,
               "format": request.GET.get("format", "")[:8]}
    try:
        if not choices["year"].isdigit():
            raise ValidationError({"year": _("Give the year as four digits, e.g. 2025.")})
        content = reports.annual_report(request.cluster, int(choices["year"]), choices["format"], choices["lang"])
    except ValidationError as exc:
        return _page(request, choices, exc.message_dict, status=400)
    response = HttpResponse(content, content_type=reports.FORMATS[choices["format"]])
    filename = reports.filename(request.cluster, int(choices["year"]), choices["format"])
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
