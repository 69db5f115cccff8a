"""The annual activity report of a cluster as a file (PDF or XLSX), for its staff and observers."""

from typing import Literal

from django.http import HttpResponse
from ninja import Field as SchemaField
from ninja import Query, Router, Schema

from filiera.api.common import observed_cluster, signed_in_viewer
from filiera.api.schemas import ErrorOut, ValidationErrorOut
from filiera.monitoring import reports

router = Router(tags=["monitoring"])


class AnnualReportQuery(Schema):
    year: int = SchemaField(description="The year reported, from 2000 to the current one")
    format: Literal["pdf", "xlsx"] = SchemaField("pdf", description="pdf: to read and send; xlsx: the figures")
    lang: str = SchemaField("", description="en, it, da or es; empty: the cluster's language")


FILE = {"type": "string", "format": "binary"}


@router.get("/clusters/{slug}/reports/annual",
            response={400: ValidationErrorOut, 401: ErrorOut, 404: ErrorOut}, summary="Annual activity report",
            openapi_extra={"responses": {200: {
                "description": "The report as an attachment",
                "content": {content_type: {"schema": FILE} for content_type in reports.FORMATS.values()}}}})
def annual_report(request, slug: str, query: Query[AnnualReportQuery]):
    """The annual activity report of the cluster for `year`: the year's indicators by area with the year before,
    change, target and status, five-year series, members by kind, helix and country, events, funded projects and
    the figures entered by staff. The same file as `filiera report annual` and the back-office page. Staff and
    observers of the cluster; anyone else gets 404."""
    current = signed_in_viewer(request)
    cluster = observed_cluster(current, slug)
    content = reports.annual_report(cluster, query.year, query.format, query.lang or None)
    response = HttpResponse(content, content_type=reports.FORMATS[query.format])
    response["Content-Disposition"] = f'attachment; filename="{reports.filename(cluster, query.year, query.format)}"'
    return response
